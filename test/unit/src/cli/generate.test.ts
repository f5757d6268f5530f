import { generationFlagOf } from '../../../../src/cli/generate';

/** The generator's argument paths (generator/request.ts, generator/enqueue.ts) as the flags of `recdial generate` / `regenerate` / `runs`. */
test.each([
  ['input.limit', '--limit'],
  ['input.role', '--role'],
  ['input.teacherFraction', '--teacher-fraction'],
  ['input.sampleName', '--sample-name'],
  ['input.stereotypes[1]', '--stereotype'],
  ['input.asStereotype', '--as-stereotype'],
  ['input.userIds[0]', '--user'],
  ['input.targetItemIds[2]', '--target-item'],
  ['input.sampling.topP', '--top-p'],
  ['input.sampling.maxTokens', '--max-tokens'],
  ['input.validation.maxUtterances', '--max-utterances'],
  ['input.validation.normaliseStudentTitles', '--no-normalise-student-titles'],
  ['input.filter.stereotype', '--stereotype'],
  ['input.filter.generationRunId', '--run'],
  ['input.dialogueIds[0]', 'DIALOGUE-ID'],
  ['input.runId', 'RUN-ID'],
  ['id', 'RUN-ID'],
  ['input', ''],
  ['input.filter', ''],
])('%s → %s', (argument, flag) => {
  expect(generationFlagOf(argument)).toBe(flag);
});
