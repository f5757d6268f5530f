import { reviewWordCount } from '../../../../src/prepare/review-words';

describe('reviewWordCount (docs/pipeline.md §11.1 step 2)', () => {
  test('counts letter/digit runs, keeping internal apostrophes', () => {
    expect(reviewWordCount("I don't like it, 10/10 wouldn't watch again!")).toBe(9);
  });

  test('drops HTML tags, entities and URLs before counting', () => {
    expect(reviewWordCount('Great<br />film &amp; cast. See https://example.com/review?id=1 or www.example.org')).toBe(5);
  });

  test('punctuation-only tokens and emoji are not words; accented and non-Latin words are', () => {
    expect(reviewWordCount('— … 🎬 !!! Amélie 千と千尋')).toBe(2);
    expect(reviewWordCount('')).toBe(0);
  });
});
