import { EntityManager } from 'typeorm';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { badInput } from '../../errors';
import { relevanceFrom, relevanceOrder } from './dialogue.search';
import { dialogueConditions } from '../../dialogues/selection';
import type { ReadHints } from '../../graphql/read-hints';
import { dialogueSelectList } from './dialogue.prefetch';
import { Dialogue, DialogueFilter, DialogueOrder, DialogueRow, toDialogue } from './dialogue.type';

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
