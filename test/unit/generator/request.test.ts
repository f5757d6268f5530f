import { ModelEndpointError } from '../../../generator/models/clients';
import {
  checkGenerationInput,
  checkRegenerationInput,
  MAX_ADAPTER_BYTES,
  positiveInt,
  promptOptionsOf,
  samplingOf,
  validationOf,
  writingStrategy,
} from '../../../generator/request';
import { DEFAULT_SAMPLING, DEFAULT_VALIDATION } from '../../../generator/run-config';
import { CliError, withCliErrors } from '../../../src/cli/common';
import { DomainError } from '../../../src/errors';
import { formatError } from '../../../src/server/app';

// The checks enqueueGeneration and regenerateDialogues make before touching the database
// (generator/request.ts): plain inputs in, domain errors naming the API's argument path out.

/** The error `fn` throws, which must be a domain error. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

test('sampling: defaults for what is left out, each bound named by its argument path', () => {
  expect(samplingOf(null)).toEqual(DEFAULT_SAMPLING);
  expect(samplingOf({ temperature: 0, topP: 1, maxTokens: 16, seed: 0 })).toEqual({ temperature: 0, topP: 1, maxTokens: 16, seed: 0 });
  expect(samplingOf({ seed: 7, temperature: null })).toEqual({ ...DEFAULT_SAMPLING, seed: 7 });
  const cases: Array<[object, string, string]> = [
    [{ temperature: 2.5 }, 'input.sampling.temperature', 'must be between 0 and 2'],
    [{ temperature: Number.NaN }, 'input.sampling.temperature', 'must be between 0 and 2'],
    [{ topP: 0 }, 'input.sampling.topP', 'must be in (0, 1]'],
    [{ maxTokens: 15 }, 'input.sampling.maxTokens', 'must be at least 16 (a dialogue needs room)'],
    [{ seed: -1 }, 'input.sampling.seed', 'must be a non-negative integer'],
  ];
  for (const [input, argument, problem] of cases) {
    const e = refusal(() => samplingOf(input));
    expect({ code: e.code, argument: e.argument, message: e.message }).toEqual({ code: 'BAD_USER_INPUT', argument, message: `${argument}: ${problem}` });
  }
});

test('validation: defaults, overrides, and utterance bounds checked against each other', () => {
  expect(validationOf(undefined)).toEqual(DEFAULT_VALIDATION);
  expect(validationOf({ unknownItemPolicy: 'strip', titleMatching: 'fuzzy', mergeSameRole: true, normaliseStudentTitles: false })).toEqual({
    ...DEFAULT_VALIDATION,
    unknownItemPolicy: 'strip',
    titleMatching: 'fuzzy',
    mergeSameRole: true,
    normaliseStudentTitles: false,
  });
  expect(refusal(() => validationOf({ minUtterances: 0 })).message).toBe('input.validation.minUtterances: must be at least 1');
  // The default maximum (20) against a raised minimum.
  expect(refusal(() => validationOf({ minUtterances: 25 })).message).toBe('input.validation.maxUtterances: must be at least minUtterances (25)');
});

test('role and strategy: JUDGE, SIMULATOR and the judge-run strategies are refused, STEREOTYPE is the default', () => {
  expect(refusal(() => checkGenerationInput({ role: 'JUDGE' })).argument).toBe('input.role');
  // Refused before any database read, for regeneration too.
  expect(refusal(() => checkGenerationInput({ role: 'SIMULATOR' })).message).toBe('input.role: SIMULATOR plays the seeker of evaluateInteractively; generate with TEACHER or STUDENT');
  expect(refusal(() => checkRegenerationInput({ role: 'SIMULATOR', reason: 'why', dialogueIds: ['x'] })).argument).toBe('input.role');
  expect(writingStrategy(undefined)).toBe('STEREOTYPE');
  expect(writingStrategy('GOAL_TEMPLATE')).toBe('GOAL_TEMPLATE');
  for (const s of ['JUDGE', 'COMPARE'] as const) {
    expect(refusal(() => writingStrategy(s)).message).toBe('input.strategy: JUDGE and COMPARE mark judge runs; use STEREOTYPE or GOAL_TEMPLATE');
  }
  expect(promptOptionsOf({ role: 'TEACHER' })).toEqual({ legacyFeatureKeys: false, includeTargetReview: true });
  expect(promptOptionsOf({ role: 'TEACHER', legacyFeatureKeys: true, includeTargetReview: false })).toEqual({ legacyFeatureKeys: true, includeTargetReview: false });
});

test('generation input: teacher fraction range, the adapter only with STUDENT and of bounded size, limit a positive integer', () => {
  expect(() => checkGenerationInput({ role: 'TEACHER', teacherFraction: 1 })).not.toThrow();
  expect(refusal(() => checkGenerationInput({ role: 'TEACHER', teacherFraction: 0 })).argument).toBe('input.teacherFraction');
  expect(refusal(() => checkGenerationInput({ role: 'TEACHER', adapter: { rank: 16 } })).message).toBe('input.adapter: describes the student’s adapter; give it with role STUDENT');
  expect(() => checkGenerationInput({ role: 'STUDENT', adapter: { rank: 16 } })).not.toThrow();
  const big = { notes: 'x'.repeat(MAX_ADAPTER_BYTES) };
  expect(refusal(() => checkGenerationInput({ role: 'STUDENT', adapter: big })).message).toMatch(/^input\.adapter: must be at most 16384 bytes of JSON/);
  expect(positiveInt('input.limit', null)).toBeNull();
  expect(positiveInt('input.limit', 3)).toBe(3);
  expect(refusal(() => positiveInt('input.limit', 0)).message).toBe('input.limit: must be a positive integer');
  expect(refusal(() => positiveInt('input.limit', 1.5)).argument).toBe('input.limit');
});

test('regeneration input: a reason, and ids or a filter; the reason is trimmed', () => {
  expect(checkRegenerationInput({ role: 'TEACHER', reason: '  too short ', dialogueIds: ['x'] })).toBe('too short');
  expect(refusal(() => checkRegenerationInput({ role: 'TEACHER', reason: '  ', dialogueIds: ['x'] })).argument).toBe('input.reason');
  const neither = refusal(() => checkRegenerationInput({ role: 'TEACHER', reason: 'why' }));
  expect({ argument: neither.argument, message: neither.message }).toEqual({ argument: 'input', message: 'input: give dialogueIds or a filter' });
  expect(refusal(() => checkRegenerationInput({ role: 'JUDGE', reason: 'why', filter: {} })).argument).toBe('input.role');
});

test('each edge maps a refusal once: GraphQL shows code and argument, the CLI names the flag', async () => {
  const e = refusal(() => samplingOf({ topP: 2 }));
  expect(formatError({ message: e.message, extensions: e.extensions }, e)).toEqual({
    message: 'input.sampling.topP: must be in (0, 1]',
    extensions: { code: 'BAD_USER_INPUT', argument: 'input.sampling.topP' },
  });
  const cli = withCliErrors(() => Promise.reject(refusal(() => positiveInt('input.limit', -2))));
  await expect(cli).rejects.toThrow(CliError);
  await expect(withCliErrors(() => Promise.reject(refusal(() => positiveInt('input.limit', -2))))).rejects.toThrow('--limit: must be a positive integer');
  // A problem of the whole request has no flag: the CLI prints the problem alone.
  const whole = withCliErrors(() => Promise.reject(refusal(() => checkRegenerationInput({ role: 'TEACHER', reason: 'why' }))), { flags: () => '' });
  await expect(whole).rejects.toThrow(/^give dialogueIds or a filter$/);
  // An endpoint that does not serve the model is the caller's to fix too, with no argument at fault.
  const endpoint = new ModelEndpointError('the teacher endpoint http://model/v1 does not serve "m"');
  expect(formatError({ message: endpoint.message, extensions: endpoint.extensions }, endpoint)).toEqual({
    message: 'the teacher endpoint http://model/v1 does not serve "m"',
    extensions: { code: 'MODEL_ENDPOINT_UNAVAILABLE' },
  });
});
