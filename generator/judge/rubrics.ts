import { createHash } from 'node:crypto';
import type { TurnRoleValue } from '../../src/dialogues/vocabulary';

/**
 * Judging rubrics are data (issue 15): a rubric names its criteria, its integer scale, whether the
 * judge scores every utterance or the dialogue as a whole, and the instructions it is given.
 * Built-in rubrics are version 0 (in code); `updateRubric` stores versions 1, 2, … per key.
 */
export interface RubricCriterion {
  /** Lower-case key used in scores, filters and rating files, e.g. `fluency`. */
  key: string;
  description: string;
}

export interface RubricDefinition {
  title: string;
  /** UTTERANCE: one score per criterion for every utterance, the dialogue's score is their mean (LLM-REDIAL); DIALOGUE: one score per criterion. */
  scope: 'UTTERANCE' | 'DIALOGUE';
  min: number;
  max: number;
  criteria: RubricCriterion[];
  /** What the judge is told (the system message), before the generated answer format. */
  instructions: string;
}

export interface RubricVersionRecord {
  key: string;
  version: number;
  definition: RubricDefinition;
  sha256: string;
  builtIn: boolean;
  note: string | null;
  createdBy: string | null;
  createdAt: Date | null;
}

/**
 * LLM-REDIAL's human evaluation (docs/metrics.md §7): every utterance rated 0 (poor), 1 (moderate) or
 * 2 (good) on fluency, informativeness, logicality and coherence; the paper reports the mean over
 * utterances (LLM-REDIAL 1.98 / 1.28 / 1.90 / 1.88), which is what a dialogue's score is here.
 */
const LLM_REDIAL: RubricDefinition = {
  title: 'LLM-REDIAL utterance quality',
  scope: 'UTTERANCE',
  min: 0,
  max: 2,
  criteria: [
    { key: 'fluency', description: 'grammar and readability of the utterance' },
    { key: 'informativeness', description: 'specific, non-generic content (items, reasons, preferences) rather than filler' },
    { key: 'logicality', description: 'a sensible, non-contradictory response (LLM-REDIAL calls it Logicity)' },
    { key: 'coherence', description: 'consistency with the conversation so far' },
  ],
  instructions:
    'You are an expert annotator of conversational recommendation dialogues between a Seeker (USER) and a Recommender (ASSISTANT). ' +
    'Rate every utterance of the dialogue on each criterion with 0 (poor), 1 (moderate) or 2 (good), as in the LLM-REDIAL human evaluation. ' +
    'Judge each utterance in the context of the utterances before it.',
};

/**
 * DistillRecDial's head-to-head criteria (docs/metrics.md §7). The paper only compares pairs; for
 * absolute scores recdial uses a 1–5 Likert scale (1 very poor, 3 acceptable, 5 excellent), the
 * usual scale of LLM-as-judge dialogue evaluation, per dialogue.
 */
const DISTILLRECDIAL: RubricDefinition = {
  title: 'DistillRecDial dialogue quality',
  scope: 'DIALOGUE',
  min: 1,
  max: 5,
  criteria: [
    { key: 'naturalness', description: 'does it read like a real conversation between two people (tone, turn-taking, no templated phrasing)?' },
    { key: 'relevance', description: 'are the recommendations and explanations relevant to what the Seeker asked for and revealed?' },
    { key: 'consistency', description: 'do both speakers stay consistent with themselves, the items and the earlier turns?' },
  ],
  instructions:
    'You are an expert evaluator of conversational recommendation dialogues between a Seeker (USER) and a Recommender (ASSISTANT). ' +
    'Rate the whole dialogue on each criterion from 1 (very poor) through 3 (acceptable) to 5 (excellent), as in the DistillRecDial human evaluation.',
};

export const BUILT_IN_RUBRICS: Readonly<Record<string, RubricDefinition>> = { LLM_REDIAL, DISTILLRECDIAL };

/** Canonical JSON (sorted keys), so that equal definitions hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function rubricSha256(definition: RubricDefinition): string {
  return createHash('sha256').update(canonical(definition), 'utf8').digest('hex');
}

export function builtInRubric(key: string): RubricVersionRecord | null {
  const definition = BUILT_IN_RUBRICS[key];
  if (!definition) return null;
  return { key, version: 0, definition, sha256: rubricSha256(definition), builtIn: true, note: null, createdBy: null, createdAt: null };
}

export const RUBRIC_KEY = /^[A-Z][A-Z0-9_]{0,63}$/;
const CRITERION_KEY = /^[a-z][a-z0-9_]{0,63}$/;

/** Problems of a user-defined rubric, each as [field, problem]; empty when it is usable. */
export function rubricProblems(d: RubricDefinition): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  if (!d.title?.trim()) problems.push(['title', 'must not be empty']);
  if (d.scope !== 'UTTERANCE' && d.scope !== 'DIALOGUE') problems.push(['scope', 'must be UTTERANCE or DIALOGUE']);
  if (!Number.isInteger(d.min) || !Number.isInteger(d.max)) problems.push(['min', 'min and max must be integers']);
  else if (d.max <= d.min) problems.push(['max', `must be greater than min (${d.min})`]);
  else if (d.max - d.min > 100) problems.push(['max', 'the scale may have at most 101 points']);
  if (!d.instructions?.trim()) problems.push(['instructions', 'must not be empty']);
  if (!Array.isArray(d.criteria) || d.criteria.length === 0) problems.push(['criteria', 'give at least one criterion']);
  else {
    if (d.criteria.length > 20) problems.push(['criteria', 'at most 20 criteria']);
    const seen = new Set<string>();
    d.criteria.forEach((c, i) => {
      if (!CRITERION_KEY.test(c.key ?? '')) problems.push([`criteria[${i}].key`, `"${c.key}" must be lower-case letters, digits and _ (starting with a letter)`]);
      else if (seen.has(c.key)) problems.push([`criteria[${i}].key`, `"${c.key}" is given twice`]);
      seen.add(c.key);
      if (!c.description?.trim()) problems.push([`criteria[${i}].description`, 'must not be empty']);
    });
  }
  return problems;
}

/** One utterance as the judge sees it. */
export interface JudgedTurn {
  index: number;
  role: TurnRoleValue;
  text: string;
}

function transcript(turns: JudgedTurn[]): string {
  return turns.map((t) => `[${t.index}] ${t.role === 'USER' ? 'Seeker' : 'Recommender'}: ${t.text}`).join('\n');
}

function criteriaList(d: RubricDefinition): string {
  return d.criteria.map((c) => `- ${c.key}: ${c.description}`).join('\n');
}

/** The `response_format.json_schema` of a single-dialogue judgement: integer scores in [min, max]. */
export function judgementSchema(d: RubricDefinition, turnCount: number): Record<string, unknown> {
  const score = { type: 'integer', minimum: d.min, maximum: d.max };
  const scores = { type: 'object', properties: Object.fromEntries(d.criteria.map((c) => [c.key, score])), required: d.criteria.map((c) => c.key), additionalProperties: false };
  if (d.scope === 'DIALOGUE') {
    return { type: 'object', properties: { scores, rationale: { type: 'string' } }, required: ['scores', 'rationale'], additionalProperties: false };
  }
  return {
    type: 'object',
    properties: {
      utterances: {
        type: 'array',
        minItems: turnCount,
        maxItems: turnCount,
        items: { type: 'object', properties: { turn: { type: 'integer', minimum: 0, maximum: Math.max(0, turnCount - 1) }, scores }, required: ['turn', 'scores'], additionalProperties: false },
      },
      rationale: { type: 'string' },
    },
    required: ['utterances', 'rationale'],
    additionalProperties: false,
  };
}

export interface JudgeMessages {
  messages: Array<{ role: 'system' | 'user'; content: string }>;
  schema: Record<string, unknown>;
  schemaName: string;
}

export function judgementMessages(d: RubricDefinition, turns: JudgedTurn[]): JudgeMessages {
  const answer =
    d.scope === 'DIALOGUE'
      ? `Answer with JSON only: {"scores": {${d.criteria.map((c) => `"${c.key}": <${d.min}–${d.max}>`).join(', ')}}, "rationale": "<one or two sentences>"}.`
      : `Answer with JSON only: {"utterances": [{"turn": <index>, "scores": {${d.criteria.map((c) => `"${c.key}": <${d.min}–${d.max}>`).join(', ')}}}, … one entry for every utterance, in order], "rationale": "<one or two sentences>"}.`;
  return {
    messages: [
      { role: 'system', content: `${d.instructions}\n\nCriteria (integer scores from ${d.min} to ${d.max}):\n${criteriaList(d)}\n\n${answer}` },
      { role: 'user', content: `Dialogue (${turns.length} utterances):\n${transcript(turns)}` },
    ],
    schema: judgementSchema(d, turns.length),
    schemaName: 'judgement',
  };
}

/** A pairwise prompt: which of two dialogues is better on each criterion (DistillRecDial's head-to-head). */
export function comparisonMessages(criteria: RubricCriterion[], first: JudgedTurn[], second: JudgedTurn[]): JudgeMessages {
  const verdict = { type: 'string', enum: ['1', '2', 'tie'] };
  return {
    messages: [
      {
        role: 'system',
        content:
          'You are an expert evaluator of conversational recommendation dialogues between a Seeker and a Recommender. ' +
          'You are shown two dialogues. For each criterion, say which dialogue is better: "1", "2", or "tie" when neither is clearly better. ' +
          'The order in which they are shown is random and means nothing.\n\n' +
          `Criteria:\n${criteriaList({ criteria } as RubricDefinition)}\n\n` +
          `Answer with JSON only: {"winners": {${criteria.map((c) => `"${c.key}": "1" | "2" | "tie"`).join(', ')}}, "rationale": "<one or two sentences>"}.`,
      },
      { role: 'user', content: `Dialogue 1:\n${transcript(first)}\n\nDialogue 2:\n${transcript(second)}` },
    ],
    schema: {
      type: 'object',
      properties: {
        winners: { type: 'object', properties: Object.fromEntries(criteria.map((c) => [c.key, verdict])), required: criteria.map((c) => c.key), additionalProperties: false },
        rationale: { type: 'string' },
      },
      required: ['winners', 'rationale'],
      additionalProperties: false,
    },
    schemaName: 'comparison',
  };
}

/** A judge's answer that does not follow the schema: retried like any bad response, then recorded. */
export class JudgeAnswerError extends Error {}

function parseJson(content: string): Record<string, unknown> {
  // Some servers wrap JSON in a markdown fence even under response_format.
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JudgeAnswerError(`the judge's answer is not JSON (${(error as Error).message}): ${JSON.stringify(content.slice(0, 120))}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new JudgeAnswerError('the judge’s answer is not a JSON object');
  return value as Record<string, unknown>;
}

function checkScores(d: RubricDefinition, raw: unknown, where: string): Record<string, number> {
  if (!raw || typeof raw !== 'object') throw new JudgeAnswerError(`${where}: scores missing`);
  const out: Record<string, number> = {};
  for (const c of d.criteria) {
    const v = (raw as Record<string, unknown>)[c.key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < d.min || v > d.max) {
      throw new JudgeAnswerError(`${where}.${c.key}: expected an integer from ${d.min} to ${d.max}, got ${JSON.stringify(v)}`);
    }
    out[c.key] = v;
  }
  return out;
}

export interface ParsedJudgement {
  scores: Record<string, number>;
  utteranceScores: Array<{ turn: number; scores: Record<string, number> }> | null;
  rationale: string | null;
}

/** Validates a judge's answer against the rubric; dialogue scores of utterance rubrics are the means over utterances. */
export function parseJudgement(d: RubricDefinition, content: string, turnCount: number): ParsedJudgement {
  const value = parseJson(content);
  const rationale = typeof value.rationale === 'string' ? value.rationale : null;
  if (d.scope === 'DIALOGUE') return { scores: checkScores(d, value.scores, 'scores'), utteranceScores: null, rationale };
  if (!Array.isArray(value.utterances)) throw new JudgeAnswerError('utterances: expected an array with one entry per utterance');
  if (value.utterances.length !== turnCount) throw new JudgeAnswerError(`utterances: expected ${turnCount} entries (one per utterance), got ${value.utterances.length}`);
  const utteranceScores = value.utterances.map((u: any, i: number) => {
    const turn = typeof u?.turn === 'number' ? u.turn : i;
    if (turn !== i) throw new JudgeAnswerError(`utterances[${i}].turn: expected ${i}, got ${JSON.stringify(u?.turn)}`);
    return { turn, scores: checkScores(d, u?.scores, `utterances[${i}].scores`) };
  });
  const scores: Record<string, number> = {};
  for (const c of d.criteria) scores[c.key] = turnCount === 0 ? 0 : utteranceScores.reduce((s, u) => s + u.scores[c.key], 0) / turnCount;
  return { scores, utteranceScores, rationale };
}

/** Validates a pairwise answer; verdicts are in the shown order ('1', '2', 'tie'). */
export function parseComparison(criteria: RubricCriterion[], content: string): { winners: Record<string, '1' | '2' | 'tie'>; rationale: string | null } {
  const value = parseJson(content);
  const w = value.winners as Record<string, unknown> | undefined;
  if (!w || typeof w !== 'object') throw new JudgeAnswerError('winners: missing');
  const winners: Record<string, '1' | '2' | 'tie'> = {};
  for (const c of criteria) {
    const v = String(w[c.key] ?? '').toLowerCase();
    if (v !== '1' && v !== '2' && v !== 'tie') throw new JudgeAnswerError(`winners.${c.key}: expected "1", "2" or "tie", got ${JSON.stringify(w[c.key])}`);
    winners[c.key] = v;
  }
  return { winners, rationale: typeof value.rationale === 'string' ? value.rationale : null };
}
