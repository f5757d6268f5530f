import { EntityManager } from 'typeorm';
import { decodeId } from '../../pagination/global-id';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { badInput } from '../../server/errors';
import { checkSearch, relevanceFrom, relevanceOrder, searchCondition } from './dialogue.search';
import { judgementCondition } from '../judge/judgement-condition';
import type { ReadHints } from '../../graphql/read-hints';
import { dialogueSelectList } from './dialogue.prefetch';
import { Dialogue, DialogueFilter, DialogueOrder, DialogueRow, DialogueStatus, toDialogue } from './dialogue.type';

const ORDERS: Record<Exclude<DialogueOrder, DialogueOrder.RELEVANCE>, KeysetOrder> = {
  ID_ASC: { name: 'id', direction: 'ASC', columns: [{ expr: 'd.id', cast: 'int' }] },
  ID_DESC: { name: 'id', direction: 'DESC', columns: [{ expr: 'd.id', cast: 'int' }] },
  CREATED_AT_ASC: { name: 'created', direction: 'ASC', columns: [{ expr: 'd.created_at', cast: 'timestamptz' }, { expr: 'd.id', cast: 'int' }] },
  CREATED_AT_DESC: { name: 'created', direction: 'DESC', columns: [{ expr: 'd.created_at', cast: 'timestamptz' }, { expr: 'd.id', cast: 'int' }] },
};

export interface DialogueScope {
  /** Extra conditions from the parent (an item's or a user's dialogues), on alias `d`. */
  where?: string[];
  params?: unknown[];
}

/** Turns a DialogueFilter into SQL conditions on alias `d`; wrong values name the argument. */
export async function dialogueConditions(
  manager: EntityManager,
  filter: DialogueFilter | null | undefined,
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

export async function listDialogues(
  manager: EntityManager,
  options: {
    filter?: DialogueFilter | null;
    orderBy?: DialogueOrder | null;
    args: PageArgs;
    cap: number;
    scope?: DialogueScope;
    /** The request's read hints: only the columns it reads, and its prefetched children (dialogue.prefetch.ts). */
    hints?: ReadHints;
    /** Called with each row (prefetched children included) before it becomes a Dialogue. */
    onRow?: (row: Record<string, unknown>) => void;
  },
): Promise<ConnectionValue<Dialogue>> {
  const params = [...(options.scope?.params ?? [])];
  const where = [...(options.scope?.where ?? []), ...(await dialogueConditions(manager, options.filter, params, 'filter', { stereotypeInline: true }))];
  let from = 'dialogues d';
  let order: KeysetOrder;
  if (options.orderBy === DialogueOrder.RELEVANCE) {
    const search = options.filter?.search;
    if (search == null) throw badInput('orderBy', 'RELEVANCE orders by the match of filter.search; give a search or another order');
    params.push(search);
    from = relevanceFrom(`$${params.length}`);
    order = relevanceOrder(search);
  } else {
    order = ORDERS[options.orderBy ?? DialogueOrder.ID_ASC];
  }
  const page = await paginate<DialogueRow & Record<string, unknown>, Dialogue>(manager, {
    columns: dialogueSelectList(options.hints),
    from,
    where,
    params,
    order,
    args: options.args,
    cap: options.cap,
    map: options.onRow
      ? (row) => {
          options.onRow!(row);
          return toDialogue(row);
        }
      : toDialogue,
  });
  // One statement per page: an unknown stereotype key is only looked for when the page is empty,
  // with the error (and message) of dialogueConditions.
  if (!page.edges.length && options.filter?.stereotype != null) await dialogueConditions(manager, { stereotype: options.filter.stereotype }, []);
  return page;
}
