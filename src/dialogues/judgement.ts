import type { EntityManager } from 'typeorm';
import { badInput } from '../errors';
import { activeRubric } from './rubrics';

/** A selection by judgement (the API's JudgementFilter input has this shape). */
export interface JudgementSelection {
  rubric: string;
  criterion: string;
  below?: number | null;
  atLeast?: number | null;
}

/**
 * The SQL condition (on alias `d`) of a selection's `judgement`: the criterion's score in the
 * dialogue's latest judgement on the rubric. Unjudged dialogues compare as NULL and never match.
 */
export async function judgementCondition(manager: EntityManager, f: JudgementSelection, param: (v: unknown) => string, argument: string): Promise<string> {
  const rubric = await activeRubric(manager, f.rubric, `${argument}.rubric`);
  const criteria = rubric.definition.criteria.map((c) => c.key);
  if (!criteria.includes(f.criterion)) {
    throw badInput(`${argument}.criterion`, `rubric ${f.rubric} has no criterion "${f.criterion}"; expected one of ${criteria.map((c) => `"${c}"`).join(', ')}`);
  }
  if (f.below == null && f.atLeast == null) throw badInput(argument, 'give below or atLeast (or both)');
  for (const k of ['below', 'atLeast'] as const) if (f[k] != null && !Number.isFinite(f[k])) throw badInput(`${argument}.${k}`, 'must be a number');
  const score = `(SELECT (j.scores ->> ${param(f.criterion)})::float8 FROM judgements j WHERE j.dialogue_id = d.id AND j.rubric_key = ${param(f.rubric)} ORDER BY j.id DESC LIMIT 1)`;
  const parts: string[] = [];
  if (f.below != null) parts.push(`${score} < ${param(f.below)}`);
  if (f.atLeast != null) parts.push(`${score} >= ${param(f.atLeast)}`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
}
