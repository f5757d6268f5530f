/**
 * Post-processing of one stereotype-strategy (DRD) model response (docs/pipeline.md §6.3, §8):
 * normalise titles to tags (§6.4), parse the turns, resolve the item tags, and run the checks of
 * §8.3 that apply to DRD. DUPLICATE_DIALOGUE is left to the worker, which compares `contentHash`
 * with the run's accepted dialogues.
 */
import type { TitleMatching } from '../run-config';
import type { CatalogueItem, DialogueMention, ProcessedDialogue, ValidationIssue } from '../types';
import { commonChecks, contentHash, isRejected, mergeSameRoleUtterances } from './checks';
import { ambiguousTitleIssue, normaliseTitles, type TitleCandidate, type TitleRewrite } from './normalise-titles';
import { parseMarkedTurns } from './parse-turns';
import { resolveTags, type UnknownItemPolicy } from './tags';

export interface StereotypeOutputContext {
  /**
   * asin → item, for the values of `extractTagIds(response)` that are catalogue items and for the
   * prompt's items; `title` (TMDB title) of the prompt's items is the normaliser's first variant.
   */
  catalogue: ReadonlyMap<string, CatalogueItem & { title?: string }>;
  /** The items shown in the prompt (history and, unless hidden, the target). */
  promptAsins: ReadonlySet<string>;
  targetAsin: string | null;
  /** targetVisibility = hidden: TARGET_NOT_RECOMMENDED is off. */
  targetHidden: boolean;
  unknownItemPolicy?: UnknownItemPolicy;
  minUtterances?: number;
  maxUtterances?: number;
  mergeSameRole?: boolean;
  /** Who wrote the response: teacher output is always title-normalised (§6.3). */
  role?: 'TEACHER' | 'STUDENT';
  /** Student output is title-normalised unless this is false (default true). */
  normaliseStudentTitles?: boolean;
  titleMatching?: TitleMatching;
}

/** A processed response with the normaliser's log (stored in the dialogue's provenance). */
export interface ProcessedStereotypeDialogue extends ProcessedDialogue {
  titleRewrites: TitleRewrite[];
}

const TAG = /<id_[^<>\s]+>/g;
// What is left of a tag once the well-formed ones are gone: `<id_X` unclosed, `<id X>`,
// `<id: X>`, `<ID_X>`, `[id_X]`, bare `id_X`.
const MALFORMED_TAG = /<\s*id[\s:_-]|\bid_\w/i;

export function processStereotypeOutput(raw: string, finishReason: string | null, ctx: StereotypeOutputContext): ProcessedStereotypeDialogue {
  const normalise = ctx.role !== 'STUDENT' || ctx.normaliseStudentTitles !== false;
  const normalised = normalise
    ? normaliseTitles(raw, titleCandidates(ctx), { fuzzy: ctx.titleMatching === 'fuzzy' })
    : { text: raw, rewrites: [], ambiguous: [] };
  const response = normalised.text;
  const titleRewrites = normalised.rewrites;
  const ambiguous = ambiguousTitleIssue(normalised.ambiguous);

  const parsed = parseMarkedTurns(response);
  const issues: ValidationIssue[] = ambiguous ? [ambiguous, ...parsed.issues] : [...parsed.issues];
  const common = commonChecks({ response, finishReason, utterances: parsed.utterances, strategy: 'DRD', mergeSameRole: ctx.mergeSameRole });
  issues.push(...common);

  if (parsed.issues.some((i) => i.code === 'NO_TURNS')) {
    return { status: 'REJECTED', turns: [], mentions: [], unresolvedItemIds: [], issues, namedAsins: [], contentHash: contentHash([]), titleRewrites };
  }

  const utterances = ctx.mergeSameRole ? mergeSameRoleUtterances(parsed.utterances) : parsed.utterances;
  const policy = ctx.unknownItemPolicy ?? 'reject';
  const resolved = resolveTags(utterances, ctx.catalogue, policy);

  const min = ctx.minUtterances ?? 5;
  const max = ctx.maxUtterances ?? 20;
  if (utterances.length < min || utterances.length > max) {
    issues.push({ code: 'TURN_COUNT', severity: 'error', detail: `${utterances.length} utterances, allowed ${min}–${max}` });
  }

  issues.push(...resolved.issues);
  if (policy === 'strip') {
    const emptied = resolved.turns.flatMap((t, i) => (t.text === '' ? [i] : []));
    if (emptied.length > 0) issues.push({ code: 'EMPTY_TURN', severity: 'error', detail: `turn ${emptied.join(', ')} empty after stripping unknown tags` });
  }

  const malformed = utterances.flatMap((u, turn) => {
    const m = MALFORMED_TAG.exec(u.text.replace(TAG, ' '));
    return m ? [`turn ${turn}: ${JSON.stringify(fragment(u.text.replace(TAG, ' '), m.index))}`] : [];
  });
  if (malformed.length > 0) issues.push({ code: 'MALFORMED_ITEM_TAG', severity: 'error', detail: `broken item tag: ${malformed.join('; ')}` });

  const valid = resolved.mentions.filter((m) => m.itemId !== null);
  if (!valid.some((m) => m.isRecommendation)) {
    issues.push({ code: 'NO_RECOMMENDATION', severity: 'error', detail: `no assistant utterance mentions a catalogue item (${valid.length} valid mention${valid.length === 1 ? '' : 's'} in all)` });
  }

  if (ctx.targetAsin !== null) {
    const target = valid.filter((m) => m.asin === ctx.targetAsin);
    const byAssistant = target.find((m) => m.isRecommendation);
    if (!ctx.targetHidden && byAssistant === undefined) {
      issues.push({ code: 'TARGET_NOT_RECOMMENDED', severity: 'error', detail: `target ${ctx.targetAsin} is not mentioned by the assistant (${target.length} user mentions)` });
    }
    if (target.length > 0 && !target[0].isRecommendation) {
      issues.push({
        code: 'TARGET_FIRST_BY_USER',
        severity: 'warning',
        detail: `the user mentions target ${ctx.targetAsin} in turn ${target[0].turn}, ${byAssistant ? `before the assistant (turn ${byAssistant.turn})` : 'the assistant never does'}`,
      });
    }
  }

  // The target counts as shown unless hidden, whether or not the caller listed it.
  const outside = resolved.namedAsins.filter((a) => !ctx.promptAsins.has(a) && !(a === ctx.targetAsin && !ctx.targetHidden));
  if (outside.length > 0) {
    issues.push({ code: 'OUT_OF_PROMPT_ITEM', severity: 'warning', detail: `catalogue items not in the prompt: ${outside.map((a) => `${a} (turn ${firstTurn(valid, a)})`).join(', ')}` });
  }

  return {
    status: isRejected(issues) ? 'REJECTED' : 'ACCEPTED',
    turns: resolved.turns,
    mentions: resolved.mentions,
    unresolvedItemIds: resolved.unresolvedItemIds,
    issues,
    namedAsins: resolved.namedAsins,
    contentHash: contentHash(utterances),
    titleRewrites,
  };
}

/** §6.4: the items shown in the prompt (history and the target unless hidden), as far as the catalogue knows them. */
function titleCandidates(ctx: StereotypeOutputContext): TitleCandidate[] {
  const shown = new Set(ctx.promptAsins);
  if (ctx.targetAsin !== null && !ctx.targetHidden) shown.add(ctx.targetAsin);
  return [...shown].flatMap((asin) => {
    const item = ctx.catalogue.get(asin);
    return item ? [{ asin, title: item.title ?? item.cleanedTitle, cleanedTitle: item.cleanedTitle }] : [];
  });
}

function fragment(text: string, at: number): string {
  return text.slice(Math.max(0, at - 5), at + 25).trim();
}

function firstTurn(mentions: readonly DialogueMention[], asin: string): number {
  return mentions.find((m) => m.asin === asin)?.turn ?? -1;
}
