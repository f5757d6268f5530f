/**
 * Post-processing of one goal-template model response (docs/pipeline.md §11.7–§11.8, §8.3): parse the
 * `User:`/`Agent:` lines, recover item mentions from the bound items' titles, run the checks
 * shared with the stereotype strategy and the GT-only ones. The stored text is the text as the
 * model wrote it (GT output has no tags to replace).
 */
import { findTitleMentions, titleCandidates } from '../../src/ingest/titles';
import { reviewWordCount } from '../../src/prepare/review-words';
import { commonChecks, contentHash, isRejected, mergeSameRoleUtterances } from '../output/checks';
import type { CatalogueItem, DialogueMention, ParsedUtterance, ProcessedDialogue, Severity, ValidationIssue } from '../types';
import { DEFAULT_FUZZY_THRESHOLD, findFuzzyTitle } from './fuzzy-title';
import type { GoalTemplateInstance } from './instance';
import { parseAgentTurns } from './parse';

export interface GoalTemplateProcessContext {
  /** asin → catalogue item, for the bound items (mentions get their item ids). */
  catalogue: ReadonlyMap<string, CatalogueItem>;
  /** `--merge-same-role`: merge consecutive same-role utterances (warning) instead of rejecting. */
  mergeSameRole?: boolean;
  /** Severity of FIRST_SPEAKER (default error). */
  firstSpeaker?: Severity;
  /** GARBLED_TEXT's share of non-Latin letters (default 0.2; null = off). */
  maxNonLatinShare?: number | null;
  /** UTTERANCE_TOO_LONG above this many words (default 60). */
  maxUtteranceWords?: number;
  /** GOLD_NOT_RECOMMENDED's edit-distance threshold (default 2). */
  goldThreshold?: number;
}

export const MAX_UTTERANCE_WORDS = 60;

/** Case-insensitive matching only for multi-word titles, as the LLM-REDIAL importer does (a one-word title must match its case). */
const TITLE_MATCHING = { caseInsensitive: 'multi-word' } as const;

type TitleOf = (asin: string) => string | undefined;

/** Both the bound title and the catalogue's cleaned title are searched (cleaned forms included), longest first. */
function candidates(asins: string[], instance: GoalTemplateInstance, catalogue: ReadonlyMap<string, CatalogueItem>) {
  const bound = new Map(instance.boundItems.map((i) => [i.asin, i.title]));
  const fromBound: TitleOf = (asin) => bound.get(asin);
  const fromCatalogue: TitleOf = (asin) => catalogue.get(asin)?.cleanedTitle;
  const seen = new Set<string>();
  return [...titleCandidates(asins, fromBound), ...titleCandidates(asins, fromCatalogue)].filter((c) => {
    const key = `${c.key}\u0000${c.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Mentions of the bound items. Where two bound items share a title, Agent turns credit the gold
 * and User turns the liked or disliked item (as for imported LLM-REDIAL dialogues). The gold's
 * mentions in Agent turns are recommendations.
 */
export function recoverMentions(
  utterances: readonly ParsedUtterance[],
  instance: GoalTemplateInstance,
  catalogue: ReadonlyMap<string, CatalogueItem>,
): DialogueMention[] {
  const gold = instance.gold.asin;
  const others = instance.boundItems.map((i) => i.asin).filter((asin) => asin !== gold);
  const userTitles = candidates([...others, gold], instance, catalogue);
  const agentTitles = candidates([gold, ...others], instance, catalogue);
  const seen = new Set<string>();
  return utterances.flatMap((u, turn) =>
    findTitleMentions(u.text, u.role === 'ASSISTANT' ? agentTitles : userTitles, TITLE_MATCHING).map((m): DialogueMention => {
      const isFirstMention = !seen.has(m.key);
      seen.add(m.key);
      return {
        turn,
        asin: m.key,
        itemId: catalogue.get(m.key)?.id ?? null,
        rawId: m.key,
        start: m.start,
        end: m.end,
        isRecommendation: u.role === 'ASSISTANT' && m.key === gold,
        isFirstMention,
      };
    }),
  );
}

/**
 * The GT-only checks: UTTERANCE_TOO_LONG, TEMPLATE_LENGTH_MISMATCH, GOLD_NOT_RECOMMENDED. Words
 * are counted as review words are (§11.1 step 2). The gold counts as recommended when an Agent
 * utterance has an exact mention of it or, failing that, its title within `goldThreshold` edits
 * in words that no other bound item's exact mention covers.
 */
export function goalTemplateChecks(
  utterances: readonly ParsedUtterance[],
  instance: GoalTemplateInstance,
  mentions: readonly DialogueMention[],
  catalogue: ReadonlyMap<string, CatalogueItem>,
  options: { maxUtteranceWords?: number; goldThreshold?: number } = {},
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const maxWords = options.maxUtteranceWords ?? MAX_UTTERANCE_WORDS;
  const long = utterances.flatMap((u, turn) => {
    const words = reviewWordCount(u.text);
    return words > maxWords ? [`turn ${turn}: ${words} words`] : [];
  });
  if (long.length > 0) issues.push({ code: 'UTTERANCE_TOO_LONG', severity: 'error', detail: `${long.join('; ')} (limit ${maxWords})` });

  const expected = instance.template.utterances.map((u) => (u.speaker === 'user' ? 'USER' : 'ASSISTANT'));
  const actual = utterances.map((u) => u.role);
  if (expected.length !== actual.length) {
    issues.push({ code: 'TEMPLATE_LENGTH_MISMATCH', severity: 'error', detail: `${actual.length} utterances, template ${instance.template.id} has ${expected.length}` });
  } else {
    const differ = actual.flatMap((role, i) => (role !== expected[i] ? [`turn ${i} is ${role}, template says ${expected[i]}`] : []));
    if (differ.length > 0) issues.push({ code: 'TEMPLATE_LENGTH_MISMATCH', severity: 'error', detail: `speaker sequence differs from template ${instance.template.id}: ${differ.join('; ')}` });
  }

  const gold = instance.gold.asin;
  if (!goldRecommended(utterances, instance, mentions, catalogue, options.goldThreshold ?? DEFAULT_FUZZY_THRESHOLD)) {
    issues.push({ code: 'GOLD_NOT_RECOMMENDED', severity: 'error', detail: `no Agent utterance names the gold ${gold} "${instance.gold.title}"` });
  }
  return issues;
}

function goldRecommended(
  utterances: readonly ParsedUtterance[],
  instance: GoalTemplateInstance,
  mentions: readonly DialogueMention[],
  catalogue: ReadonlyMap<string, CatalogueItem>,
  threshold: number,
): boolean {
  const gold = instance.gold.asin;
  if (mentions.some((m) => m.isRecommendation)) return true;
  const titles = [...new Set([instance.gold.title, catalogue.get(gold)?.cleanedTitle].filter((t): t is string => !!t))];
  return utterances.some((u, turn) => {
    if (u.role !== 'ASSISTANT') return false;
    const exclude = mentions.filter((m) => m.turn === turn && m.asin !== gold);
    return titles.some((title) => findFuzzyTitle(u.text, title, { threshold, exclude }) !== null);
  });
}

/**
 * One response → what the worker stores. Issues come in the order found: parsing, the shared
 * checks, then the GT checks; after NO_TURNS only the response-level shared checks
 * (EMPTY_RESPONSE, TRUNCATED) can add to it. DUPLICATE_DIALOGUE is the worker's, by `contentHash`.
 */
export function processGoalTemplateOutput(
  response: string,
  finishReason: string | null,
  instance: GoalTemplateInstance,
  ctx: GoalTemplateProcessContext,
): ProcessedDialogue {
  const parsed = parseAgentTurns(response);
  const issues: ValidationIssue[] = [...parsed.issues];
  const noTurns = parsed.utterances.length === 0;
  issues.push(
    ...commonChecks({
      response,
      finishReason,
      utterances: parsed.utterances,
      strategy: 'GT',
      mergeSameRole: ctx.mergeSameRole,
      firstSpeaker: ctx.firstSpeaker,
      maxNonLatinShare: ctx.maxNonLatinShare,
    }),
  );
  // What is stored: with --merge-same-role the merged utterances, which the shared checks saw too.
  const utterances = ctx.mergeSameRole ? mergeSameRoleUtterances(parsed.utterances) : parsed.utterances;
  const mentions = recoverMentions(utterances, instance, ctx.catalogue);
  if (!noTurns) issues.push(...goalTemplateChecks(utterances, instance, mentions, ctx.catalogue, ctx));

  return {
    status: isRejected(issues) ? 'REJECTED' : 'ACCEPTED',
    turns: utterances.map((u) => ({ role: u.role, text: u.text, rawText: null })),
    mentions,
    unresolvedItemIds: [],
    issues,
    namedAsins: [...new Set(mentions.map((m) => m.asin))],
    contentHash: contentHash(utterances),
  };
}
