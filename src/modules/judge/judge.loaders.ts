import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { JUDGEMENT_COLUMNS, Judgement, JudgementRow, toJudgement } from './judge.type';

export function createJudgeLoaders(manager: EntityManager) {
  return {
    /** Every judgement of a page of dialogues in one statement, newest first. */
    judgementsByDialogueId: new DataLoader<number, Judgement[]>(async (ids) => {
      const rows: JudgementRow[] = await manager.query(`SELECT ${JUDGEMENT_COLUMNS} FROM judgements j LEFT JOIN generation_runs r ON r.id = j.run_id WHERE j.dialogue_id = ANY($1) ORDER BY j.dialogue_id, j.id DESC`, [ids]);
      const byId = new Map<number, Judgement[]>(ids.map((id) => [id, []]));
      for (const r of rows) byId.get(r.dialogue_id)?.push(toJudgement(r));
      return ids.map((id) => byId.get(id)!);
    }),
  };
}
