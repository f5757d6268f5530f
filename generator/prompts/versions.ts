import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { RowOf, selectList } from '../../src/db/columns';
import { PROMPT_KINDS, PromptVersionEntity, type PromptKindValue } from '../../src/db/schema/prompt-version.entity';
import { badInput } from '../../src/errors';
import { DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS } from '../goal-template/prompt';
import { GOAL_TEMPLATE_PROMPT_KEY } from '../run-config';
import type { PromptText } from './load';
import { DEFAULT_SYSTEM_PROMPTS } from './system-prompts';

/**
 * The prompt versions as the generator reads them: the built-in defaults (version 0) and the
 * active version of each prompt, which a run records when it is enqueued. Storing new versions
 * (`updatePrompt`) and the history belong to the API's prompt service, which uses these too.
 */

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

/** A `prompt_versions` row as `PROMPT_VERSION_COLUMNS` selects it (derived from the entity, src/db/columns.ts). */
export type PromptVersionRow = RowOf<PromptVersionEntity, (typeof PROMPT_PROPS)[number]>;

export const PROMPT_VERSION_COLUMNS = selectList(PromptVersionEntity, '', PROMPT_PROPS);

export function sha256Hex(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The keys a kind has, in canonical order: the five stereotype keys, or `default`. */
function promptKeys(kind: PromptKindValue): string[] {
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

export function toPromptVersionRecord(row: PromptVersionRow): PromptVersionRecord {
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
    `SELECT DISTINCT ON (key) ${PROMPT_VERSION_COLUMNS} FROM prompt_versions WHERE kind = $1 AND key = ANY($2) ORDER BY key, version DESC`,
    [kind, [...new Set(keys)]],
  );
  const byKey = new Map(rows.map((r) => [r.key, toPromptVersionRecord(r)]));
  return keys.map((key) => byKey.get(key) ?? builtInPrompt(kind, key));
}

/** The active prompt: the latest stored version, else the built-in (version 0). */
export async function activePrompt(manager: EntityManager, kind: PromptKindValue, key: string): Promise<PromptVersionRecord> {
  return (await activePromptsOf(manager, kind, [key]))[0];
}

/** Every prompt's active version (what a generation run records), kinds and keys in canonical order: one query. */
export async function activePrompts(manager: EntityManager): Promise<PromptVersionRecord[]> {
  const rows: PromptVersionRow[] = await manager.query(`SELECT DISTINCT ON (kind, key) ${PROMPT_VERSION_COLUMNS} FROM prompt_versions ORDER BY kind, key, version DESC`);
  const stored = new Map(rows.map((r) => [`${r.kind}\u0000${r.key}`, toPromptVersionRecord(r)]));
  return PROMPT_KINDS.flatMap((kind) => promptKeys(kind).map((key) => stored.get(`${kind}\u0000${key}`) ?? builtInPrompt(kind, key)));
}

/** The prompts in force now, keyed as a run records them (stereotype key, or `goal-template`). */
export async function promptsInForce(manager: EntityManager): Promise<Record<string, PromptText>> {
  const prompts: Record<string, PromptText> = {};
  for (const p of await activePrompts(manager)) {
    const key = p.kind === 'STEREOTYPE_SYSTEM' ? p.key : GOAL_TEMPLATE_PROMPT_KEY;
    prompts[key] = { version: p.version, sha256: p.sha256, content: p.content };
  }
  return prompts;
}
