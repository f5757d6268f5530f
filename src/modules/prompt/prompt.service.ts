import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS } from '../../../generator';
import { DEFAULT_SYSTEM_PROMPTS } from '../../../generator';
import { badInput } from '../../errors';
import { firstUnstorable } from '../../text/unstorable';
import { PROMPT_KINDS, PromptKindValue, PromptVersionEntity } from '../../db/schema/prompt-version.entity';
import { RowOf, selectList } from '../../db/columns';

/** The only key of GOAL_TEMPLATE_INSTRUCTIONS (there is one set of instructions). */
export const DEFAULT_PROMPT_KEY = 'default';

/** One version of a prompt: version 0 is the built-in default in code, 1, 2, … are stored. */
export interface PromptVersionRecord {
  kind: PromptKindValue;
  key: string;
  version: number;
  content: string;
  sha256: string;
  builtIn: boolean;
  note: string | null;
  createdBy: string | null;
  /** null for the built-in version. */
  createdAt: Date | null;
}

const PROMPT_PROPS = ['kind', 'key', 'version', 'content', 'sha256', 'note', 'createdBy', 'createdAt'] as const;

type PromptVersionRow = RowOf<PromptVersionEntity, (typeof PROMPT_PROPS)[number]>;

const COLUMNS = selectList(PromptVersionEntity, '', PROMPT_PROPS);

export function sha256Hex(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The keys a kind has, in canonical order: the five stereotype keys, or `default`. */
export function promptKeys(kind: PromptKindValue): string[] {
  return kind === 'STEREOTYPE_SYSTEM' ? Object.keys(DEFAULT_SYSTEM_PROMPTS) : [DEFAULT_PROMPT_KEY];
}

/** Throws BAD_USER_INPUT naming `argument` unless (kind, key) names a prompt. */
export function checkPromptKey(kind: string, key: string, argument = 'key'): asserts kind is PromptKindValue {
  if (!(PROMPT_KINDS as readonly string[]).includes(kind)) throw badInput('kind', `unknown prompt kind "${kind}"; expected one of ${PROMPT_KINDS.join(', ')}`);
  const keys = promptKeys(kind as PromptKindValue);
  if (!keys.includes(key)) {
    throw badInput(
      argument,
      kind === 'STEREOTYPE_SYSTEM'
        ? `unknown stereotype "${key}"; expected one of ${keys.map((k) => `"${k}"`).join(', ')}`
        : `${kind} has the single key "${DEFAULT_PROMPT_KEY}", got "${key}"`,
    );
  }
}

/** Version 0: the default that ships in code. */
export function builtInPrompt(kind: PromptKindValue, key: string): PromptVersionRecord {
  checkPromptKey(kind, key);
  const content = kind === 'STEREOTYPE_SYSTEM' ? DEFAULT_SYSTEM_PROMPTS[key] : DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS;
  return { kind, key, version: 0, content, sha256: sha256Hex(content), builtIn: true, note: null, createdBy: null, createdAt: null };
}

function toRecord(row: PromptVersionRow): PromptVersionRecord {
  return {
    kind: row.kind,
    key: row.key,
    version: row.version,
    content: row.content,
    sha256: row.sha256,
    builtIn: false,
    note: row.note,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The active version of each of `keys` of one kind, in the order asked: one query. */
export async function activePromptsOf(manager: EntityManager, kind: PromptKindValue, keys: readonly string[]): Promise<PromptVersionRecord[]> {
  for (const key of keys) checkPromptKey(kind, key);
  const rows: PromptVersionRow[] = await manager.query(
    `SELECT DISTINCT ON (key) ${COLUMNS} FROM prompt_versions WHERE kind = $1 AND key = ANY($2) ORDER BY key, version DESC`,
    [kind, [...new Set(keys)]],
  );
  const byKey = new Map(rows.map((r) => [r.key, toRecord(r)]));
  return keys.map((key) => byKey.get(key) ?? builtInPrompt(kind, key));
}

/** The active prompt: the latest stored version, else the built-in (version 0). */
export async function activePrompt(manager: EntityManager, kind: PromptKindValue, key: string): Promise<PromptVersionRecord> {
  return (await activePromptsOf(manager, kind, [key]))[0];
}

/** Every prompt's active version (what a generation run records), kinds and keys in canonical order: one query. */
export async function activePrompts(manager: EntityManager): Promise<PromptVersionRecord[]> {
  const rows: PromptVersionRow[] = await manager.query(`SELECT DISTINCT ON (kind, key) ${COLUMNS} FROM prompt_versions ORDER BY kind, key, version DESC`);
  const stored = new Map(rows.map((r) => [`${r.kind}\u0000${r.key}`, toRecord(r)]));
  return PROMPT_KINDS.flatMap((kind) => promptKeys(kind).map((key) => stored.get(`${kind}\u0000${key}`) ?? builtInPrompt(kind, key)));
}

/** All versions of a prompt, newest first, ending with the built-in version 0. */
export async function promptHistory(manager: EntityManager, kind: PromptKindValue, key: string): Promise<PromptVersionRecord[]> {
  checkPromptKey(kind, key);
  const rows: PromptVersionRow[] = await manager.query(`SELECT ${COLUMNS} FROM prompt_versions WHERE kind = $1 AND key = $2 ORDER BY version DESC`, [kind, key]);
  return [...rows.map(toRecord), builtInPrompt(kind, key)];
}

export interface UpdatePromptInput {
  kind: PromptKindValue;
  /** Required for STEREOTYPE_SYSTEM; GOAL_TEMPLATE_INSTRUCTIONS defaults to `default`. */
  key?: string | null;
  content: string;
  note?: string | null;
  /** The API key name of the operator. */
  createdBy?: string | null;
}

/**
 * Stores a new version (latest + 1) and returns it; it is active from now on. Concurrent updates
 * of the same prompt each get their own version number (the unique index arbitrates; the loser
 * retries with the next number). Argument errors name `input.<field>`.
 */
export async function updatePrompt(manager: EntityManager, input: UpdatePromptInput): Promise<PromptVersionRecord> {
  const key = input.key ?? (input.kind === 'GOAL_TEMPLATE_INSTRUCTIONS' ? DEFAULT_PROMPT_KEY : null);
  if (key === null) throw badInput('input.key', 'required for STEREOTYPE_SYSTEM: the stereotype key');
  checkPromptKey(input.kind, key, 'input.key');
  if (!input.content.trim()) throw badInput('input.content', 'must not be empty');
  for (const [field, value] of [['content', input.content], ['note', input.note]] as const) {
    const bad = value == null ? null : firstUnstorable(value);
    if (bad) throw badInput(`input.${field}`, `contains ${bad.char} at offset ${bad.offset}, which PostgreSQL cannot store; remove it`);
  }
  const note = input.note?.trim() || null;
  for (let attempt = 0; attempt < 5; attempt++) {
    const rows: PromptVersionRow[] = await manager.query(
      `INSERT INTO prompt_versions (kind, key, version, content, sha256, note, created_by)
       SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6 FROM prompt_versions WHERE kind = $1 AND key = $2
       ON CONFLICT (kind, key, version) DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.kind, key, input.content, sha256Hex(input.content), note, input.createdBy ?? null],
    );
    if (rows[0]) return toRecord(rows[0]);
  }
  throw new Error(`could not store a new version of ${input.kind} "${key}": too many concurrent updates`);
}
