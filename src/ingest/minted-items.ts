/**
 * What the importers of peer datasets that name movies by title (PEARL, INSPIRED) share: the
 * item key minted from a title, the titles one dialogue names and their search candidates, how
 * titles are searched in peer dialogue text (LLM-REDIAL too), the first-mention flags, and the
 * split named by a file (docs/formats.md §6, §7).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StagedDialogue, StagedItem, StagedTurn } from './dialogue-staging';
import { InputFileError } from './errors';
import { cleanTitle, titleCandidates, type TitleMatchOptions } from './titles';
import type { SplitValue } from '../dialogues/vocabulary';

export type Split = SplitValue;

export type DialogueWarning = StagedDialogue['warnings'][number];

export function warning(code: string, detail: string): DialogueWarning {
  return { code, severity: 'warning', detail };
}

/**
 * The form two spellings of one title share: Unicode NFC, whitespace runs collapsed to one space,
 * trimmed, lower-cased. The year stays part of it, so that remakes stay apart.
 */
export function normaliseTitle(title: string): string {
  return title.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** `mintedItemKey('pearl', 'Paddington 2 (2017)')` → `pearl:paddington 2 (2017)` (items.asin). */
export function mintedItemKey(dataset: string, title: string): string {
  return `${dataset}:${normaliseTitle(title)}`;
}

export function mintedItem(dataset: string, domain: string, key: string, title: string): StagedItem {
  return { asin: key, domain, title, cleanedTitle: cleanTitle(title), metadata: { dataset } };
}

/**
 * The titles one dialogue names, each minted once and remembered as first written (trimmed), in
 * the order they were first listed: the order decides which item wins when two titles search
 * for the same text (e.g. the cleaned titles of two remakes).
 */
export class DialogueTitles {
  private readonly titles = new Map<string, string>();

  constructor(private readonly dataset: string) {}

  /** The title's key; null for a title that is empty once trimmed. */
  add(title: string): string | null {
    const written = title.trim();
    if (written === '') return null;
    const key = mintedItemKey(this.dataset, written);
    if (!this.titles.has(key)) this.titles.set(key, written);
    return key;
  }

  /** The title as first written; what mentions carry as their rawId. */
  title(key: string): string {
    const title = this.titles.get(key);
    if (title === undefined) throw new Error(`no title for ${key}`);
    return title;
  }

  entries(): Array<{ key: string; title: string }> {
    return [...this.titles].map(([key, title]) => ({ key, title }));
  }

  /**
   * What findTitleMentions searches for: each title as written (`Paddington 2 (2017)`) and
   * cleaned (`Paddington 2`), in listing order; `keys` restricts the search to some titles.
   */
  candidates(keys: Iterable<string> = this.titles.keys()): Array<{ key: string; title: string }> {
    return titleCandidates(keys, (key) => this.title(key));
  }
}

/**
 * How the peer importers (PEARL, INSPIRED, LLM-REDIAL) search dialogue text for titles. Their
 * mentions are recovered from plain, often lower-case chat, where a one-word title in any case
 * ("Up", "It", "Her", "Heat") is mostly an ordinary word; longer titles still match in any case.
 */
export const PEER_TITLE_MATCHING: TitleMatchOptions = { caseInsensitive: 'multi-word' };

/** Flags the first mention of each item in the dialogue; each turn's mentions are sorted by offset. */
export function markFirstMentions(turns: StagedTurn[]): void {
  const seen = new Set<string>();
  for (const turn of turns) {
    for (const mention of turn.mentions) {
      mention.isFirstMention = mention.asin !== null && !seen.has(mention.asin);
      if (mention.asin !== null) seen.add(mention.asin);
    }
  }
}

const SPLIT_WORDS: Record<string, Split> = { train: 'train', valid: 'valid', dev: 'valid', test: 'test' };

/**
 * The split a peer-dataset file belongs to, from a word of its base name: `train.json`,
 * `dev.tsv`, `pearl_valid.json.gz`, `Test.tsv` (dev is the valid split).
 */
export function splitFromPeerFileName(file: string): Split {
  const base = path.basename(file).toLowerCase();
  const found = new Set([...base.matchAll(/(?<![\p{L}\p{N}])(train|valid|dev|test)(?![\p{L}\p{N}])/gu)].map((m) => SPLIT_WORDS[m[1]]));
  if (found.size === 1) return [...found][0];
  if (found.size > 1) throw new InputFileError(file, `the file name names more than one split (${[...found].join(', ')})`);
  throw new InputFileError(file, 'cannot tell the split from the file name; it must contain the word train, valid, dev or test (e.g. train.json, dev.tsv)');
}

/** Checks the input files before anything is read: each must exist and name its split. */
export function peerInputFiles(files: string[]): Array<{ file: string; split: Split }> {
  if (files.length === 0) throw new InputFileError('(no files)', 'name at least one file');
  return files.map((file) => {
    if (!fs.existsSync(file)) throw new InputFileError(file, 'no such file');
    if (!fs.statSync(file).isFile()) throw new InputFileError(file, 'not a file; name the split files themselves');
    return { file, split: splitFromPeerFileName(file) };
  });
}
