/**
 * Types shared by prompt rendering, output processing and the worker. Everything in
 * `generator/` except the queue and the model clients is a pure function of these values.
 */
import type { StereotypeFeatures } from '../src/db/schema/stereotype.entity';

export type { StereotypeFeatures };
export type { ChatMessage, ChatRole } from '../src/ingest/chat-template';

export type TurnRole = 'USER' | 'ASSISTANT';
export type Severity = 'error' | 'warning';

/** One finding of post-processing or validation (docs/pipeline.md §8.4). */
export interface ValidationIssue {
  code: string;
  severity: Severity;
  /** The evidence: offending ids, pattern, turn index, counts. */
  detail: string;
}

/** What the prompt shows of an item (docs/pipeline.md §2.7, §4.2). */
export interface PromptItem {
  asin: string;
  /** TMDB title as is (prompts use it). */
  title: string;
  /** Cleaned title (§2.7): substituted for tags in stored turn text. */
  cleanedTitle: string;
  genres: string[];
  keywords: string[];
  /** Actors: top-10 cast by popularity. */
  cast: string[];
  directors: string[];
  overview: string | null;
  collection: string | null;
  visualCaption: string | null;
  /** The user's own review of this item, when there is one. */
  review?: { title: string | null; text: string | null } | null;
}

export interface HistoryEntry extends PromptItem {
  rating: number;
}

/** An item of the catalogue as tag resolution needs it. */
export interface CatalogueItem {
  id: number;
  asin: string;
  cleanedTitle: string;
}

/** One utterance after parsing, before tags are replaced. */
export interface ParsedUtterance {
  role: TurnRole;
  /** Trimmed utterance text as the model wrote it (tags still in place). */
  text: string;
}

/** A catalogue item mentioned in a stored turn; offsets are UTF-16 offsets into the turn's `text`. */
export interface DialogueMention {
  turn: number;
  asin: string;
  itemId: number | null;
  rawId: string;
  start: number;
  end: number;
  isRecommendation: boolean;
  isFirstMention: boolean;
}

export interface ProcessedTurn {
  role: TurnRole;
  /** As shown: valid tags replaced by cleaned titles. */
  text: string;
  /** As written by the model (tags in place), when it differs from `text`. */
  rawText: string | null;
}

/** The result of post-processing one model response: what the worker stores. */
export interface ProcessedDialogue {
  status: 'ACCEPTED' | 'REJECTED';
  turns: ProcessedTurn[];
  mentions: DialogueMention[];
  /** `<id_X>` values that are not catalogue items. */
  unresolvedItemIds: string[];
  /** Errors (→ REJECTED) and warnings, in the order found. */
  issues: ValidationIssue[];
  /** Every valid tag's asin, in order of first mention (release `named_items`). */
  namedAsins: string[];
  /** SHA-256 of the normalised dialogue text, for DUPLICATE_DIALOGUE within a run. */
  contentHash: string;
}
