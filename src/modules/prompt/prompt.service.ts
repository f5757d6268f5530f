import { EntityManager } from 'typeorm';
import {
  builtInPrompt,
  checkPromptKey,
  DEFAULT_PROMPT_KEY,
  PROMPT_VERSION_COLUMNS as COLUMNS,
  type PromptVersionRecord,
  type PromptVersionRow,
  sha256Hex,
  toPromptVersionRecord as toRecord,
} from '../../../generator';
import { badInput } from '../../errors';
import { firstUnstorable } from '../../text/unstorable';
import type { PromptKindValue } from '../../db/schema/prompt-version.entity';

// Reading the active versions (what a run records) is the generator's (generator/prompts/versions.ts);
// the API's prompt feature adds the history and storing new versions.
export { activePrompt, activePrompts, activePromptsOf, DEFAULT_PROMPT_KEY, type PromptVersionRecord } from '../../../generator';

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
