import { compareCodePoints } from './entities';

/** token2id of the `word` tokenization starts with these (CRSLab's nltk ids pad 0, start 1, end 2, unk 3). */
export const WORD_SPECIAL_TOKENS = ['__pad__', '__start__', '__end__', '__unk__'] as const;
export const WORD_UNKNOWN = '__unk__';
/** concept2id.json reserves id 0 for padding (CRSLab's pad_word is 0). */
export const CONCEPT_PAD = '__pad__';

/** Token frequencies, then a vocabulary: given tokens first, the rest by descending count, ties in code-point order. */
export class TokenCounter {
  private readonly counts = new Map<string, number>();

  add(tokens: Iterable<string>): void {
    for (const t of tokens) this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
  }

  vocabulary(first: readonly string[]): Map<string, number> {
    const vocabulary = new Map<string, number>();
    for (const t of first) if (!vocabulary.has(t)) vocabulary.set(t, vocabulary.size);
    const ranked = [...this.counts].sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    for (const [t] of ranked) if (!vocabulary.has(t)) vocabulary.set(t, vocabulary.size);
    return vocabulary;
  }
}
