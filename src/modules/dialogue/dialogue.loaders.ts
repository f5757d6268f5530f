import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { createSearchHighlightLoader } from './dialogue.search';
import { DIALOGUE_COLUMNS, Dialogue, DialogueRow, ItemMention, toDialogue, Turn, TurnRole } from './dialogue.type';

interface TurnRow {
  id: number;
  dialogue_id: number;
  idx: number;
  role: TurnRole;
  text: string;
}

interface MentionRow {
  turn_id: number;
  dialogue_id: number;
  item_id: number | null;
  raw_id: string;
  start_offset: number;
  end_offset: number;
  is_recommendation: boolean;
  is_first_mention: boolean;
}

export interface DialogueMentions {
  byTurn: Map<number, ItemMention[]>;
  all: ItemMention[];
}

function group<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

export function createDialogueLoaders(manager: EntityManager) {
  return {
    /** Keyed on (query, dialogue id): one statement per distinct query in a batch. */
    searchHighlights: createSearchHighlightLoader(manager),
    dialogueById: new DataLoader<number, Dialogue | null>(async (ids) => {
      const rows: DialogueRow[] = await manager.query(`SELECT ${DIALOGUE_COLUMNS} FROM dialogues d WHERE d.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toDialogue(r)]));
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
      const rows: TurnRow[] = await manager.query(
        'SELECT id, dialogue_id, idx, role, text FROM turns WHERE dialogue_id = ANY($1) ORDER BY dialogue_id, idx',
        [ids],
      );
      return group(ids, rows, (r) => r.dialogue_id).map((turns) =>
        turns.map((r) => Object.assign(new Turn(), { dbId: r.id, dialogueId: r.dialogue_id, index: r.idx, role: r.role, text: r.text })),
      );
    }),
    /** All mentions of a dialogue in one batch, grouped by turn: turns, recommended and mentioned items share it. */
    mentionsByDialogueId: new DataLoader<number, DialogueMentions>(async (ids) => {
      const rows: MentionRow[] = await manager.query(
        `SELECT m.turn_id, m.dialogue_id, m.item_id, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
           FROM turn_mentions m JOIN turns t ON t.id = m.turn_id
          WHERE m.dialogue_id = ANY($1) ORDER BY m.dialogue_id, t.idx, m.start_offset, m.id`,
        [ids],
      );
      return group(ids, rows, (r) => r.dialogue_id).map((mentionRows) => {
        const byTurn = new Map<number, ItemMention[]>();
        const all = mentionRows.map((r) => {
          const mention = Object.assign(new ItemMention(), {
            itemId: r.item_id,
            rawId: r.raw_id,
            start: r.start_offset,
            end: r.end_offset,
            isRecommendation: r.is_recommendation,
            isFirstMention: r.is_first_mention,
          });
          const list = byTurn.get(r.turn_id) ?? [];
          list.push(mention);
          byTurn.set(r.turn_id, list);
          return mention;
        });
        return { byTurn, all };
      });
    }),
  };
}
