import type { EntityManager } from 'typeorm';
import { BUILT_IN_RUBRICS, builtInRubric, RUBRIC_KEY, RubricDefinition, rubricProblems, rubricSha256, RubricVersionRecord } from '../../../generator/judge/rubrics';
import { badInput } from '../../server/errors';
import { firstUnstorable } from '../../text/unstorable';

interface RubricRow {
  key: string;
  version: number;
  definition: RubricDefinition;
  sha256: string;
  note: string | null;
  created_by: string | null;
  created_at: Date;
}

const COLUMNS = 'key, version, definition, sha256, note, created_by, created_at';

function toRecord(r: RubricRow): RubricVersionRecord {
  return { key: r.key, version: r.version, definition: r.definition, sha256: r.sha256, builtIn: false, note: r.note, createdBy: r.created_by, createdAt: r.created_at };
}

async function knownKeys(manager: EntityManager): Promise<string[]> {
  const rows: Array<{ key: string }> = await manager.query('SELECT DISTINCT key FROM rubric_versions ORDER BY key');
  return [...new Set([...Object.keys(BUILT_IN_RUBRICS), ...rows.map((r) => r.key)])];
}

/** The active version of a rubric: the latest stored, else the built-in version 0; an unknown key is BAD_USER_INPUT naming `argument`. */
export async function activeRubric(manager: EntityManager, key: string, argument: string): Promise<RubricVersionRecord> {
  const [row]: RubricRow[] = await manager.query(`SELECT ${COLUMNS} FROM rubric_versions WHERE key = $1 ORDER BY version DESC LIMIT 1`, [key]);
  if (row) return toRecord(row);
  const builtIn = builtInRubric(key);
  if (builtIn) return builtIn;
  throw badInput(argument, `unknown rubric "${key}"; expected one of ${(await knownKeys(manager)).map((k) => `"${k}"`).join(', ')} (updateRubric defines new ones)`);
}

/** Every active rubric, built-in ones first. */
export async function activeRubrics(manager: EntityManager): Promise<RubricVersionRecord[]> {
  const rows: RubricRow[] = await manager.query(`SELECT DISTINCT ON (key) ${COLUMNS} FROM rubric_versions ORDER BY key, version DESC`);
  const stored = new Map(rows.map((r) => [r.key, toRecord(r)]));
  const builtIns = Object.keys(BUILT_IN_RUBRICS).map((k) => stored.get(k) ?? builtInRubric(k)!);
  return [...builtIns, ...rows.filter((r) => !(r.key in BUILT_IN_RUBRICS)).map(toRecord)];
}

/** All versions of a rubric, newest first, ending with the built-in version 0 when there is one. */
export async function rubricHistory(manager: EntityManager, key: string): Promise<RubricVersionRecord[]> {
  const rows: RubricRow[] = await manager.query(`SELECT ${COLUMNS} FROM rubric_versions WHERE key = $1 ORDER BY version DESC`, [key]);
  const builtIn = builtInRubric(key);
  if (rows.length === 0 && !builtIn) await activeRubric(manager, key, 'key'); // throws with the known keys
  return [...rows.map(toRecord), ...(builtIn ? [builtIn] : [])];
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
       ON CONFLICT (key, version) DO NOTHING RETURNING ${COLUMNS}`,
      [key, JSON.stringify(clean), rubricSha256(clean), note?.trim() || null, createdBy],
    );
    if (rows[0]) return toRecord(rows[0]);
  }
  throw new Error(`could not store a new version of rubric "${key}": too many concurrent updates`);
}
