import { checkSearch, markSnippet, positiveTerms, relevanceOrder } from '../../../../../src/modules/dialogue/dialogue.search';
import { encodeCursor, decodeCursor } from '../../../../../src/pagination/keyset';

const LIMITS = { maxChars: 40, maxTerms: 3 };

function problem(text: string): string | null {
  try {
    checkSearch('filter.search', text, LIMITS);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('checkSearch', () => {
  test('counts words, not operators, quotes or exclusion marks', () => {
    expect(problem('"Céline Sciamma" -romance')).toBeNull();
    expect(problem('sad or romance or Sciamma')).toBeNull();
    expect(problem('a b c d')).toBe('filter.search: at most 3 terms, got 4');
    // The parser splits hyphenated words into their parts; so does the count.
    expect(problem('coming-of-age')).toBeNull();
    expect(problem('coming-of-age drama')).toBe('filter.search: at most 3 terms, got 4');
  });

  test('length, U+0000 and strings without a word', () => {
    expect(problem('x'.repeat(41))).toMatch(/^filter\.search: at most 40 characters, got 41/);
    expect(problem('a\u0000b')).toMatch(/U\+0000/);
    expect(problem(' - "" or ')).toBe('filter.search: must contain at least one word');
  });
});

test('positiveTerms drops -word and -"phrase" exclusions, keeps hyphenated words', () => {
  expect(positiveTerms('Sciamma -romance -"Celine Song" coming-of-age')).toBe('Sciamma   coming-of-age');
  expect(positiveTerms('-first last')).toBe(' last');
});

test('a relevance cursor belongs to its search string', () => {
  const cursor = encodeCursor(relevanceOrder('romance'), ['0.1', '7']);
  expect(decodeCursor('after', cursor, relevanceOrder('romance'))).toEqual(['0.1', '7']);
  expect(() => decodeCursor('after', cursor, relevanceOrder('romance Sciamma'))).toThrow(/another order/);
});

test('snippets escape the turn text and mark only the matches (safe to render as HTML)', () => {
  expect(markSnippet('Try \uE000<script>alert(1)</script>\uE001 & "Amélie"')).toBe('Try <b>&lt;script&gt;alert(1)&lt;/script&gt;</b> &amp; &quot;Amélie&quot;');
});
