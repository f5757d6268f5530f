import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import { DialogueImportCounts, dialogueCounts, DialogueStager, StagedDialogue } from './dialogue-staging';
import { InputFileError, RecordError } from './errors';
import { ErrorCollector, ImportedFile, importedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { readJsonValues } from './json-values';
import { readLines } from './lines';
import {
  ConversationText,
  ConversationTextParser,
  LlmRedialConversations,
  itemMapTitle,
  llmRedialDialogue,
  parseFinalDataRecord,
  userMapIndex,
  userProfile,
} from './llm-redial';
import { Progress } from './progress';
import { cleanTitle } from './titles';

export interface LlmRedialImportOptions {
  /** Domain of the dialogues, items and users; default: the folder's name (e.g. `Movie`). */
  domain?: string;
}

export interface LlmRedialImportSummary extends DialogueImportCounts {
  domain: string;
  /** Entries of item_map.json, and how many of them were new items. */
  items: number;
  itemsCreated: number;
  /** User records of final_data.jsonl, and how many users were new. */
  users: number;
  usersCreated: number;
  profiles: number;
  /** Conversations of final_data.jsonl, and how many of them have no text in Conversation.txt. */
  conversations: number;
  conversationsWithoutText: number;
}

const BATCH = 1000;
const LAYOUT = 'an LLM-REDIAL domain folder holds final_data.jsonl, Conversation.txt, item_map.json and user_ids.json (or user_map.json)';

interface DomainFiles {
  finalData: string;
  conversations: string;
  itemMap: string;
  userMap: string | null;
}

function domainFiles(dir: string): DomainFiles {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputFileError(dir, `no such directory; ${LAYOUT}`);
  const required = (name: string) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new InputFileError(dir, `no ${name}; ${LAYOUT}`);
    return file;
  };
  // Both names occur in the published folders (docs/formats.md §4.1); the user index is not needed to import.
  const userMap = ['user_ids.json', 'user_map.json'].map((name) => path.join(dir, name)).find((file) => fs.existsSync(file)) ?? null;
  return { finalData: required('final_data.jsonl'), conversations: required('Conversation.txt'), itemMap: required('item_map.json'), userMap };
}

/**
 * A file holding one JSON object `{ "<id>": value }` (item_map.json, user_ids.json), read into a
 * map; each entry is checked by `entry`, and a bad entry is one bad record.
 */
async function readIdMap<T>(file: string, errors: ErrorCollector, entry: (id: string, value: unknown) => T, imported: ImportedFile[]): Promise<Map<string, T>> {
  const map = new Map<string, T>();
  const reader = readJsonValues(file);
  for await (const value of reader) {
    errors.attempt(file, value.line, () => {
      if (value.index > 0) throw new RecordError('(json)', 'a second JSON value; the file holds one object');
      const object = value.value;
      if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new RecordError('(json)', 'expected a JSON object {"<id>": …}');
      for (const [id, v] of Object.entries(object)) errors.attempt(file, value.line, () => map.set(id, entry(id, v)));
    });
  }
  imported.push(importedFile(file, await reader.digest()));
  return map;
}

/**
 * Streams final_data.jsonl: each user's profile goes to a staging table through COPY, and the
 * conversations' ids and item ids are kept to match the texts of Conversation.txt.
 */
async function readFinalData(
  tx: ImportTransaction,
  file: string,
  errors: ErrorCollector,
  hasItem: (id: string) => boolean,
  options: ImportOptions,
  imported: ImportedFile[],
): Promise<{ conversations: LlmRedialConversations; users: number }> {
  await tx.manager.query(`CREATE TEMP TABLE _llm_redial_profiles (ord serial, source_id text, history text[], liked text[], disliked text[],
      might_like text[]) ON COMMIT DROP`);
  const columns = [{ name: 'source_id' }, ...['history', 'liked', 'disliked', 'might_like'].map((name) => ({ name, kind: 'array' as const }))];
  let profiles: CopyValue[][] = [];
  const flush = async () => {
    if (profiles.length) await copyRows(tx.client, { table: '_llm_redial_profiles', columns }, profiles);
    profiles = [];
  };
  const conversations = new LlmRedialConversations();
  const reader = readJsonValues(file);
  const progress = new Progress(`import ${path.basename(file)}`, null, options.quiet);
  let users = 0;
  for await (const value of reader) {
    const user = errors.attempt(file, value.line, () => {
      const parsed = parseFinalDataRecord(value.value);
      conversations.add(parsed, value.line, hasItem);
      return parsed;
    });
    if (!user) continue;
    const profile = userProfile(user);
    profiles.push([user.userId, profile.history, profile.liked, profile.disliked, profile.mightLike]);
    if (profiles.length >= BATCH) await flush();
    progress.update(0, ++users);
  }
  await flush();
  imported.push(importedFile(file, await reader.digest()));
  progress.finish(`${users.toLocaleString('en')} users, ${conversations.size.toLocaleString('en')} conversations`);
  return { conversations, users };
}

const itemIdsSql = (column: string) =>
  `ARRAY(SELECT i.id FROM unnest(p.${column}) WITH ORDINALITY AS x(asin, n) JOIN items i ON i.asin = x.asin ORDER BY x.n)`;

/**
 * Writes the staged profiles as GOAL_TEMPLATE user_profiles (creating users without a dialogue);
 * item ids that name no item are left out (the dialogues carry UNKNOWN_ITEM_ID warnings).
 */
async function publishProfiles(tx: ImportTransaction, domain: string): Promise<{ usersCreated: number; profiles: number }> {
  const [users] = await tx.manager.query(
    `WITH ins AS (INSERT INTO users (source_id, domain) SELECT source_id, $1 FROM _llm_redial_profiles ORDER BY ord
                  ON CONFLICT (domain, source_id) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [domain],
  );
  const [profiles] = await tx.manager.query(
    `WITH ins AS (
       INSERT INTO user_profiles (user_id, strategy, preparation_id, history_item_ids, liked_item_ids, disliked_item_ids, might_like_item_ids)
       SELECT u.id, 'GOAL_TEMPLATE', NULL, ${itemIdsSql('history')}, ${itemIdsSql('liked')}, ${itemIdsSql('disliked')}, ${itemIdsSql('might_like')}
         FROM _llm_redial_profiles p JOIN users u ON u.domain = $1 AND u.source_id = p.source_id
        ORDER BY p.ord
       ON CONFLICT (user_id, strategy) DO UPDATE SET preparation_id = NULL, history_item_ids = EXCLUDED.history_item_ids,
          liked_item_ids = EXCLUDED.liked_item_ids, disliked_item_ids = EXCLUDED.disliked_item_ids, might_like_item_ids = EXCLUDED.might_like_item_ids
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [domain],
  );
  await tx.manager.query('DROP TABLE _llm_redial_profiles');
  return { usersCreated: users.n, profiles: profiles.n };
}

/**
 * `recdial import llm-redial <domain-dir> [--domain D]`: one LLM-REDIAL domain folder. Items come
 * from item_map.json, users and their GOAL_TEMPLATE profiles from final_data.jsonl (streamed; only
 * the conversations' ids stay in memory), dialogues from Conversation.txt (streamed); everything
 * is published in one transaction.
 */
export async function importLlmRedial(
  dataSource: DataSource,
  dir: string,
  llmRedial: LlmRedialImportOptions = {},
  options: ImportOptions = {},
): Promise<LlmRedialImportSummary> {
  const files = domainFiles(dir);
  const domain = llmRedial.domain ?? path.basename(path.resolve(dir));
  const errors = new ErrorCollector(options.maxErrors ?? 0);
  return inImportTransaction(dataSource, async (tx) => {
    const stager = await DialogueStager.create(tx);
    const imported: ImportedFile[] = [];

    const titles = await readIdMap(files.itemMap, errors, itemMapTitle, imported);
    for (const [asin, title] of titles) {
      await stager.addItem({ asin, domain, title, cleanedTitle: cleanTitle(title), metadata: { dataset: 'llm-redial' } });
    }
    const userIndex = files.userMap ? await readIdMap(files.userMap, errors, userMapIndex, imported) : new Map<string, number>();

    const { conversations, users } = await readFinalData(tx, files.finalData, errors, (id) => titles.has(id), options, imported);

    const file = files.conversations;
    let read = 0;
    const stage = async (text: ConversationText | null) => {
      if (!text) return;
      const dialogue = errors.attempt(file, text.line, (): StagedDialogue => {
        const meta = conversations.match(text);
        return llmRedialDialogue(domain, text, meta, (id) => titles.get(id), userIndex.get(meta.userId) ?? null);
      });
      if (!dialogue) return;
      await stager.addDialogue(dialogue);
      read++;
    };
    const parser = new ConversationTextParser();
    const reader = readLines(file);
    const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
    for await (const line of reader) {
      await stage(errors.attempt(file, line.line, () => parser.push(line)) ?? null);
      progress.update(line.byteOffset, read);
    }
    await stage(parser.end());
    imported.push(importedFile(file, await reader.digest()));
    progress.finish(`${read.toLocaleString('en')} dialogues`);

    const published = await stager.publish();
    const written = await publishProfiles(tx, domain);
    const counts = {
      items: titles.size,
      itemsCreated: published.itemsCreated,
      users,
      usersCreated: published.usersCreated + written.usersCreated,
      profiles: written.profiles,
      conversations: conversations.size,
      conversationsWithoutText: conversations.withoutText,
      ...dialogueCounts(read, errors.errors.length, published),
    };
    const importRunId = await recordImportRun(tx.manager, 'llm-redial', imported, counts);
    return { importRunId, domain, files: imported, ...counts };
  });
}
