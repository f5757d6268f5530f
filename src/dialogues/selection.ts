import type { EntityManager } from 'typeorm';
import { badInput } from '../errors';
import { decodeId } from '../pagination/global-id';
import { judgementCondition, type JudgementSelection } from './judgement';
import { checkSearch, searchCondition } from './search';
import { DialogueSource, DialogueStatus, SplitName } from './vocabulary';

/**
 * Which dialogues: the one selection the API (DialogueFilter), export, statistics, evaluation and
 * the CLI share, as a plain object. Ids are the API's global ids. Omitting `status` means
 * ACCEPTED; an explicit null means every status.
 */
export interface DialogueSelection {
  stereotype?: string | null;
  split?: SplitName | null;
  source?: DialogueSource | null;
  status?: DialogueStatus | null;
  userId?: string | null;
  targetItemId?: string | null;
  targetAsin?: string | null;
  mentionsItemId?: string | null;
  mentionsAsin?: string | null;
  search?: string | null;
  dataset?: string | null;
  domain?: string | null;
  generationRunId?: string | null;
  judgement?: JudgementSelection | null;
}

/**
 * Turns a selection into SQL conditions on alias `d`; wrong values name the argument
 * (`${argument}.stereotype`), as domain errors (src/errors.ts).
 */
export async function dialogueConditions(
  manager: EntityManager,
  filter: DialogueSelection | null | undefined,
  params: unknown[],
  argument = 'filter',
  options: { stereotypeInline?: boolean } = {},
): Promise<string[]> {
  const where: string[] = [];
  const f = filter ?? {};
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // Omitted → ACCEPTED; an explicit null asks for every status.
  const status = f.status === undefined ? DialogueStatus.ACCEPTED : f.status;
  if (status !== null) where.push(`d.status = ${param(status)}`);
  if (f.stereotype != null && options.stereotypeInline) {
    // The page statement resolves the key itself; listDialogues names an unknown key when the page is empty.
    where.push(`d.stereotype_id = (SELECT s.id FROM stereotypes s WHERE s.key = ${param(f.stereotype)})`);
  } else if (f.stereotype != null) {
    const [row] = await manager.query('SELECT id FROM stereotypes WHERE key = $1', [f.stereotype]);
    if (!row) {
      const keys: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
      throw badInput(`${argument}.stereotype`, `unknown stereotype "${f.stereotype}"; expected one of ${keys.map((k) => `"${k.key}"`).join(', ')}`);
    }
    where.push(`d.stereotype_id = ${param(row.id)}`);
  }
  if (f.split != null) where.push(`d.split = ${param(f.split)}`);
  if (f.source != null) where.push(`d.source = ${param(f.source)}`);
  if (f.dataset != null) where.push(`d.dataset = ${param(f.dataset)}`);
  if (f.domain != null) where.push(`d.domain = ${param(f.domain)}`);
  if (f.userId != null) where.push(`d.user_id = ${param(decodeId(`${argument}.userId`, f.userId, 'User'))}`);
  if (f.targetItemId != null) where.push(`d.target_item_id = ${param(decodeId(`${argument}.targetItemId`, f.targetItemId, 'Item'))}`);
  if (f.targetAsin != null) where.push(`d.target_raw_id = ${param(f.targetAsin)}`);
  if (f.generationRunId != null) {
    where.push(`d.generation_run_id = ${param(decodeId(`${argument}.generationRunId`, f.generationRunId, 'GenerationRun'))}`);
  }
  if (f.mentionsItemId != null) {
    const id = decodeId(`${argument}.mentionsItemId`, f.mentionsItemId, 'Item');
    where.push(`EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.item_id = ${param(id)})`);
  }
  if (f.mentionsAsin != null) {
    where.push(`EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.raw_id = ${param(f.mentionsAsin)})`);
  }
  if (f.search != null) {
    checkSearch(`${argument}.search`, f.search);
    where.push(searchCondition(param(f.search)));
  }
  if (f.judgement != null) where.push(await judgementCondition(manager, f.judgement, param, `${argument}.judgement`));
  return where;
}

/**
 * The ids of the dialogues a selection matches, ascending, at most `limit`: how a run that works
 * on a selection (regenerateDialogues with a filter) finds its dialogues. Wrong values name
 * `argument`, as in `dialogueConditions`.
 */
export async function selectDialogueIds(manager: EntityManager, filter: DialogueSelection | null | undefined, argument: string, limit: number): Promise<number[]> {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params, argument);
  params.push(limit);
  const rows: Array<{ id: number }> = await manager.query(
    `SELECT d.id FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => r.id);
}
