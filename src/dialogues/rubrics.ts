import type { EntityManager } from 'typeorm';
import { BUILT_IN_RUBRICS, builtInRubric, RubricDefinition, RubricVersionRecord } from '../../generator';
import { badInput } from '../errors';
import { RowOf, selectList } from '../db/columns';
import { RubricVersionEntity } from '../db/schema/judge.entity';

/**
 * Reading rubrics (the stored versions over the built-in ones): what a selection by judgement
 * needs (./judgement.ts), and the judge module's services build on.
 */

const RUBRIC_PROPS = ['key', 'version', 'definition', 'sha256', 'note', 'createdBy', 'createdAt'] as const;

export type RubricRow = RowOf<RubricVersionEntity, (typeof RUBRIC_PROPS)[number], { definition: RubricDefinition }>;

export const RUBRIC_COLUMNS = selectList(RubricVersionEntity, '', RUBRIC_PROPS);

export function toRubricRecord(r: RubricRow): RubricVersionRecord {
  return { key: r.key, version: r.version, definition: r.definition, sha256: r.sha256, builtIn: false, note: r.note, createdBy: r.created_by, createdAt: r.created_at };
}

export async function knownRubricKeys(manager: EntityManager): Promise<string[]> {
  const rows: Array<{ key: string }> = await manager.query('SELECT DISTINCT key FROM rubric_versions ORDER BY key');
  return [...new Set([...Object.keys(BUILT_IN_RUBRICS), ...rows.map((r) => r.key)])];
}

/** The active version of a rubric: the latest stored, else the built-in version 0; an unknown key is BAD_USER_INPUT naming `argument`. */
export async function activeRubric(manager: EntityManager, key: string, argument: string): Promise<RubricVersionRecord> {
  const [row]: RubricRow[] = await manager.query(`SELECT ${RUBRIC_COLUMNS} FROM rubric_versions WHERE key = $1 ORDER BY version DESC LIMIT 1`, [key]);
  if (row) return toRubricRecord(row);
  const builtIn = builtInRubric(key);
  if (builtIn) return builtIn;
  throw badInput(argument, `unknown rubric "${key}"; expected one of ${(await knownRubricKeys(manager)).map((k) => `"${k}"`).join(', ')} (updateRubric defines new ones)`);
}
