import type { EntityManager } from 'typeorm';
import { BUILT_IN_RUBRICS, builtInRubric, RUBRIC_KEY, RubricDefinition, rubricProblems, rubricSha256, RubricVersionRecord } from '../../../generator';
import { badInput } from '../../errors';
import { activeRubric, RUBRIC_COLUMNS, RubricRow, toRubricRecord } from '../../dialogues/rubrics';

export { activeRubric };
import { firstUnstorable } from '../../text/unstorable';

/** Every active rubric, built-in ones first. */
export async function activeRubrics(manager: EntityManager): Promise<RubricVersionRecord[]> {
  const rows: RubricRow[] = await manager.query(`SELECT DISTINCT ON (key) ${RUBRIC_COLUMNS} FROM rubric_versions ORDER BY key, version DESC`);
  const stored = new Map(rows.map((r) => [r.key, toRubricRecord(r)]));
  const builtIns = Object.keys(BUILT_IN_RUBRICS).map((k) => stored.get(k) ?? builtInRubric(k)!);
  return [...builtIns, ...rows.filter((r) => !(r.key in BUILT_IN_RUBRICS)).map(toRubricRecord)];
}

/** All versions of a rubric, newest first, ending with the built-in version 0 when there is one. */
export async function rubricHistory(manager: EntityManager, key: string): Promise<RubricVersionRecord[]> {
  const rows: RubricRow[] = await manager.query(`SELECT ${RUBRIC_COLUMNS} FROM rubric_versions WHERE key = $1 ORDER BY version DESC`, [key]);
  const builtIn = builtInRubric(key);
  if (rows.length === 0 && !builtIn) await activeRubric(manager, key, 'key'); // throws with the known keys
  return [...rows.map(toRubricRecord), ...(builtIn ? [builtIn] : [])];
}

/** Stores a new version (latest + 1) and returns it; arguments name `input.<field>`. */
export async function updateRubric(manager: EntityManager, key: string, definition: RubricDefinition, note: string | null, createdBy: string | null): Promise<RubricVersionRecord> {
  if (!RUBRIC_KEY.test(key)) throw badInput('input.key', `"${key}" must be upper-case letters, digits and _ (starting with a letter), e.g. MY_RUBRIC`);
  const problems = rubricProblems(definition);
  if (problems.length) throw badInput(`input.${problems[0][0]}`, problems[0][1]);
  for (const [field, value] of [['title', definition.title], ['instructions', definition.instructions], ['note', note]] as const) {
    const bad = value == null ? null : firstUnstorable(value);
    if (bad) throw badInput(`input.${field}`, `contains ${bad.char} at offset ${bad.offset}, which PostgreSQL cannot store; remove it`);
  }
  const clean: RubricDefinition = {
    title: definition.title.trim(),
    scope: definition.scope,
    min: definition.min,
    max: definition.max,
    criteria: definition.criteria.map((c) => ({ key: c.key, description: c.description.trim() })),
    instructions: definition.instructions.trim(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const rows: RubricRow[] = await manager.query(
      `INSERT INTO rubric_versions (key, version, definition, sha256, note, created_by)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5 FROM rubric_versions WHERE key = $1
       ON CONFLICT (key, version) DO NOTHING RETURNING ${RUBRIC_COLUMNS}`,
      [key, JSON.stringify(clean), rubricSha256(clean), note?.trim() || null, createdBy],
    );
    if (rows[0]) return toRubricRecord(rows[0]);
  }
  throw new Error(`could not store a new version of rubric "${key}": too many concurrent updates`);
}
