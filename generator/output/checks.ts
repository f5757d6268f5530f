/**
 * The validation checks of docs/pipeline.md §8.3 that both generation strategies run: the stereotype
 * strategy (DRD) and the goal-template strategy (GT). Strategy-specific checks live with each
 * strategy's processing. Pure functions: DUPLICATE_DIALOGUE is decided by the worker, which
 * compares `contentHash` with the run's earlier accepted dialogues.
 */
import { createHash } from 'node:crypto';
import type { ParsedUtterance, Severity, ValidationIssue } from '../types';

export interface CommonCheckInput {
  /** The raw model response. */
  response: string;
  finishReason: string | null;
  /** The parsed utterances, in order (tags still in place for DRD). */
  utterances: ParsedUtterance[];
  strategy: 'DRD' | 'GT';
  /** `--merge-same-role`: consecutive utterances of one role are merged (warning) instead of rejected. */
  mergeSameRole?: boolean;
  /** Severity of FIRST_SPEAKER (default error). */
  firstSpeaker?: Severity;
  /** GARBLED_TEXT: largest allowed share of letters outside the Latin script (default 0.2); null switches the rule off. */
  maxNonLatinShare?: number | null;
}

/** The 30 sub-goal keys of docs/pipeline.md §11.2: seeing one in GT output is leftover scaffolding. */
const GT_GOAL_NAMES = [
  'greet_likes', 'greet_dislikes', 'ask_recommendation', 'ask_item_detail', 'ask_preference', 'ask_more',
  'respond_other_review', 'respond_simple', 'respond_detail', 'respond_mood', 'recommend_might_like',
  'recommend_his_like', 'recommend_his_dislike', 'accept_no_reason', 'accept_with_reason', 'express_interest',
  'reject_no_reason', 'reject_with_reason', 'chit_chat', 'lead_to_recommend', 'lead_to_end',
  'introduce_other_dislikes_review', 'introduce_other_likes_review', 'introduce_other_mightlikes_review',
  'accept_thanks', 'reject_thanks', 'thanks', 'end_reasonably', 'seen_before_dislike', 'seen_before_like',
];

interface Pattern {
  name: string;
  re: RegExp;
}

const COMMON_LEFTOVER: Pattern[] = [
  { name: 'special token <|…|>', re: /<\|[^|\n]*\|>/ },
  { name: 'prompt feature line', re: /^[ \t]*(?:Item|Genres|Keywords|Actors|Directors|Overview|Collection|Visual Caption):/m },
  { name: 'prompt review line', re: /^[ \t]*User Review/m },
  { name: 'prompt phrase', re: /The user has interacted with|User liked the following|User disliked the following|target item to recommend/i },
  // The DRD parser splits at every complete marker, so any of these left inside an utterance is
  // broken; for GT even complete `[USR]`/`[AI]` markers are foreign.
  { name: 'speaker marker', re: /\[\s*(?:USR|AI)\b|\b(?:USR|AI)\s*\]/i },
];

const DRD_LEFTOVER: Pattern[] = [
  { name: 'foreign speaker line', re: /^[ \t]*\**[ \t]*(?:User|Agent)[ \t]*\**[ \t]*:/im },
];

const GT_LEFTOVER: Pattern[] = [
  { name: 'template slot', re: /\[(?:USER|OTHER)_[A-Za-z_]*\]?/ },
  // `thanks` is also an ordinary word: only the snake_case keys are evidence.
  { name: 'goal name', re: new RegExp(`\\b(?:${GT_GOAL_NAMES.filter((g) => g.includes('_')).join('|')})\\b`) },
  { name: 'template line number', re: /^[ \t]*\d{1,2}[ \t]*[.)][ \t]/m },
];

const GARBLED: Pattern[] = [
  { name: 'U+FFFD', re: /\uFFFD/ },
  // C0 and C1 controls except \t and \n (line endings are normalised before parsing).
  { name: 'control character', re: /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/ },
  { name: 'mojibake', re: /[ÃÂ][\u0080-\u00BF]|â€/ },
  { name: 'character repeated 10+ times', re: /(\S)\1{9,}/u },
];

const LONG_TOKEN = 40;
const URL = /^\W*(?:[a-z][a-z0-9+.-]*:\/\/|www\.)/i;
// Tags are boundaries for the long-token rule: `<id_A>/<id_B>/<id_C>` is not garbage.
const TAG = /<id_[^<>\s]+>/g;

/**
 * The checks EMPTY_RESPONSE, TRUNCATED, FIRST_SPEAKER, ROLE_ALTERNATION, LEFTOVER_TEMPLATE,
 * GARBLED_TEXT and REPETITION, in that order. Each failed check yields one issue whose detail
 * lists every piece of evidence (turn indexes are 0-based).
 *
 * With `mergeSameRole`, ROLE_ALTERNATION is a warning and the later checks see the merged
 * utterances (as `mergeSameRoleUtterances` produces them), which is what gets stored.
 */
export function commonChecks(input: CommonCheckInput): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { response, finishReason, strategy } = input;

  if (response.trim() === '') issues.push({ code: 'EMPTY_RESPONSE', severity: 'error', detail: `response is empty (${response.length} characters of whitespace)` });
  if (finishReason === 'length') issues.push({ code: 'TRUNCATED', severity: 'error', detail: "finish_reason 'length': output cut by the token limit" });

  let utterances = input.utterances;
  if (utterances.length > 0 && utterances[0].role !== 'USER') {
    issues.push({ code: 'FIRST_SPEAKER', severity: input.firstSpeaker ?? 'error', detail: `turn 0 is by ${utterances[0].role}, expected USER` });
  }

  const repeats = sameRoleRuns(utterances);
  if (repeats.length > 0) {
    issues.push({
      code: 'ROLE_ALTERNATION',
      severity: input.mergeSameRole ? 'warning' : 'error',
      detail: `${input.mergeSameRole ? 'merged ' : ''}consecutive utterances by the same role: ${repeats.join('; ')}`,
    });
    if (input.mergeSameRole) utterances = mergeSameRoleUtterances(utterances);
  }

  const leftoverPatterns = [...COMMON_LEFTOVER, ...(strategy === 'DRD' ? DRD_LEFTOVER : GT_LEFTOVER)];
  const leftovers = findPatterns(utterances, leftoverPatterns);
  if (leftovers.length > 0) issues.push({ code: 'LEFTOVER_TEMPLATE', severity: 'error', detail: leftovers.join('; ') });

  const garbled = [...findPatterns(utterances, GARBLED), ...longTokens(utterances)];
  const share = nonLatinShare(utterances);
  const maxShare = input.maxNonLatinShare === undefined ? 0.2 : input.maxNonLatinShare;
  if (maxShare !== null && share.letters > 0 && share.nonLatin / share.letters > maxShare) {
    garbled.push(`${share.nonLatin} of ${share.letters} letters (${((100 * share.nonLatin) / share.letters).toFixed(1)} %) outside the Latin script, limit ${100 * maxShare} %`);
  }
  if (garbled.length > 0) issues.push({ code: 'GARBLED_TEXT', severity: 'error', detail: garbled.join('; ') });

  const repetition = findRepetition(utterances);
  if (repetition.length > 0) issues.push({ code: 'REPETITION', severity: 'error', detail: repetition.join('; ') });

  return issues;
}

/** True when at least one issue is an error (the dialogue is REJECTED). */
export function isRejected(issues: readonly ValidationIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/**
 * SHA-256 (hex) of the dialogue's normalised text: per utterance the role, a tab and the
 * lower-cased, whitespace-collapsed, trimmed text; utterances joined by `\n`.
 */
export function contentHash(utterances: readonly ParsedUtterance[]): string {
  const text = utterances.map((u) => `${u.role}\t${normalise(u.text)}`).join('\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Merges each run of consecutive same-role utterances into one, texts joined by `\n`. */
export function mergeSameRoleUtterances(utterances: readonly ParsedUtterance[]): ParsedUtterance[] {
  const merged: ParsedUtterance[] = [];
  for (const u of utterances) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.role === u.role) last.text = `${last.text}\n${u.text}`;
    else merged.push({ ...u });
  }
  return merged;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

function sameRoleRuns(utterances: readonly ParsedUtterance[]): string[] {
  const found: string[] = [];
  for (let i = 1; i < utterances.length; i++) {
    if (utterances[i].role === utterances[i - 1].role) found.push(`turns ${i - 1} and ${i} (${utterances[i].role})`);
  }
  return found;
}

function findPatterns(utterances: readonly ParsedUtterance[], patterns: readonly Pattern[]): string[] {
  const found: string[] = [];
  utterances.forEach((u, turn) => {
    for (const p of patterns) {
      const m = p.re.exec(u.text);
      if (m) found.push(`turn ${turn}: ${p.name} ${JSON.stringify(snippet(m[0]))}`);
    }
  });
  return found;
}

function snippet(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function longTokens(utterances: readonly ParsedUtterance[]): string[] {
  const found: string[] = [];
  utterances.forEach((u, turn) => {
    for (const token of u.text.replace(TAG, ' ').split(/\s+/)) {
      if (token.length > LONG_TOKEN && !URL.test(token)) {
        found.push(`turn ${turn}: ${token.length}-character token ${JSON.stringify(snippet(token))}`);
        return;
      }
    }
  });
  return found;
}

/** Letters counted over the whole dialogue, so a quoted foreign title does not reject it. */
function nonLatinShare(utterances: readonly ParsedUtterance[]): { letters: number; nonLatin: number } {
  let letters = 0;
  let nonLatin = 0;
  for (const u of utterances) {
    letters += (u.text.match(/\p{L}/gu) ?? []).length;
    nonLatin += (u.text.match(/(?!\p{Script=Latin})\p{L}/gu) ?? []).length;
  }
  return { letters, nonLatin };
}

const MIN_WORDS = 5;
const NGRAM = 5;
const NGRAM_REPEATS = 4;

function findRepetition(utterances: readonly ParsedUtterance[]): string[] {
  const found: string[] = [];
  const seen = new Map<string, number>(); // role + normalised text → first turn
  utterances.forEach((u, turn) => {
    const text = normalise(u.text);
    const words = text === '' ? [] : text.split(' ');
    if (words.length >= MIN_WORDS) {
      const key = `${u.role}\t${text}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, turn);
      else found.push(`turn ${turn} repeats turn ${first} (${u.role}, ${words.length} words)`);
    }
    // Non-overlapping occurrences, so that one word repeated 8 times is not four 5-grams.
    const grams = new Map<string, { count: number; last: number }>();
    for (let i = 0; i + NGRAM <= words.length; i++) {
      const gram = words.slice(i, i + NGRAM).join(' ');
      const g = grams.get(gram);
      if (g === undefined) grams.set(gram, { count: 1, last: i });
      else if (i >= g.last + NGRAM) {
        g.count++;
        g.last = i;
      }
    }
    for (const [gram, g] of grams) {
      if (g.count >= NGRAM_REPEATS) {
        found.push(`turn ${turn}: 5-word sequence ${JSON.stringify(gram)} repeated ${g.count} times`);
        break;
      }
    }
  });
  return found;
}
