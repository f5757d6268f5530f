import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { createSearchHighlightLoader } from './dialogue.search';
import { readKeyed } from '../../db/read-query';
import type { ReadHints } from '../../graphql/read-hints';
import { Dialogue, toDialogue, Turn } from './dialogue.type';
import { dialogueSelectList, MENTION_SELECT, TURN_SELECT } from './dialogue.prefetch';
import { DialogueMentions, MentionRow, toMentions, toTurns, TurnRow } from './dialogue.rows';

export type { DialogueMentions } from './dialogue.rows';

function group<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

/**
 * `hints`: what this request's document reads (filled by the fast lane before execution; empty
 * otherwise); `prime`: hands a dialogue row's prefetched children to the other loaders.
 */
export function createDialogueLoaders(manager: EntityManager, hints: ReadHints = {}, prime: (row: Record<string, unknown>) => void = () => undefined) {
  return {
    /** Keyed on (query, dialogue id): one statement per distinct query in a batch. */
    searchHighlights: createSearchHighlightLoader(manager),
    dialogueById: new DataLoader<number, Dialogue | null>(async (ids) => {
      const rows: Array<Record<string, unknown>> = await readKeyed(manager, `SELECT ${dialogueSelectList(hints)} FROM dialogues d WHERE $KEY`, 'd.id', ids, (r) => r.id);
      const byId = new Map(
        rows.map((r) => {
          prime(r);
          return [r.id as number, toDialogue(r as never)];
        }),
      );
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** The newer version that replaced a dialogue, if any. */
    supersededBy: new DataLoader<number, number | null>(async (ids) => {
      const rows: Array<{ id: number; supersedes_id: number }> = await manager.query(
        'SELECT id, supersedes_id FROM dialogues WHERE supersedes_id = ANY($1)',
        [ids],
      );
      const byOld = new Map(rows.map((r) => [r.supersedes_id, r.id]));
      return ids.map((id) => byOld.get(id) ?? null);
    }),
    turnsByDialogueId: new DataLoader<number, Turn[]>(async (ids) => {
      const rows: TurnRow[] = await readKeyed<TurnRow>(manager, `${TURN_SELECT} WHERE $KEY ORDER BY t.dialogue_id, t.idx`, 't.dialogue_id', ids, (r) => r.dialogue_id);
      return group(ids, rows, (r) => r.dialogue_id).map(toTurns);
    }),
    /** All mentions of a dialogue in one batch, grouped by turn: turns, recommended and mentioned items share it. */
    mentionsByDialogueId: new DataLoader<number, DialogueMentions>(async (ids) => {
      const rows: MentionRow[] = await readKeyed<MentionRow>(
        manager,
        `${MENTION_SELECT} WHERE $KEY ORDER BY m.dialogue_id, t.idx, m.start_offset, m.id`,
        'm.dialogue_id',
        ids,
        (r) => r.dialogue_id,
      );
      return group(ids, rows, (r) => r.dialogue_id).map(toMentions);
    }),
  };
}
