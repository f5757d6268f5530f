/**
 * Word count of a review for the goal-template strategy (docs/pipeline.md §11.1 step 2): HTML tags,
 * entities and URLs removed, then the `word` tokenizer's tokens (docs/formats.md §8.8) that contain a
 * letter or digit — runs of letters/digits with internal apostrophes (`don't` is one word).
 */
const HTML_TAG = /<[^<>]*>/g;
const HTML_ENTITY = /&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

export function cleanReviewText(text: string): string {
  return text.replace(HTML_TAG, ' ').replace(HTML_ENTITY, ' ').replace(URL, ' ');
}

export function reviewWordCount(text: string): number {
  let count = 0;
  for (const _ of cleanReviewText(text).matchAll(WORD)) count++;
  return count;
}
