import fs from 'node:fs';
import path from 'node:path';
import {
  parseAmazonMetadata,
  parseAmazonReview,
  parseLegacyMetadataLine,
  parseRatingsCsvLine,
  removeNul,
} from '../../../../src/ingest/amazon';
import { RecordError } from '../../../../src/ingest/errors';
import { parseJsonText } from '../../../../src/ingest/json';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'amazon');
const fixtureLines = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8').trimEnd().split('\n');

// The example records of docs/formats.md §1.2 and §1.3.
const REVIEW = {
  rating: 4.0,
  title: 'Charming sequel',
  text: 'Funny and warm.<br />The kids loved it.',
  images: [],
  asin: 'B0FAKE00V2',
  parent_asin: 'B0FAKE0003',
  user_id: 'AFAKEUSER00000000000000000001',
  timestamp: 1588687728923,
  helpful_vote: 2,
  verified_purchase: true,
};

const METADATA = {
  main_category: 'Movies & TV',
  title: 'Paddington 2 [Blu-ray]',
  average_rating: 4.8,
  rating_number: 1520,
  features: [],
  description: ['A bear in London.'],
  price: 9.99,
  images: [],
  videos: [],
  store: 'FakeStudio',
  categories: ['Movies & TV', 'Kids & Family'],
  details: { 'Run time': '1 hour and 44 minutes' },
  parent_asin: 'B0FAKE0003',
  bought_together: null,
};

/** The RecordError `fn` throws, as `field: problem`. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return (error as RecordError).message;
  }
  throw new Error('expected a RecordError');
}

describe('parseAmazonReview', () => {
  it('reads the example record of docs/formats.md §1.2', () => {
    expect(parseAmazonReview(REVIEW)).toEqual({
      userId: 'AFAKEUSER00000000000000000001',
      asin: 'B0FAKE00V2',
      parentAsin: 'B0FAKE0003',
      rating: 4,
      timestampMs: 1588687728923,
      title: 'Charming sequel',
      text: 'Funny and warm.<br />The kids loved it.',
      images: [],
      helpfulVote: 2,
      verifiedPurchase: true,
      extra: null,
    });
  });

  it('defaults title and text to "" and the other optional fields to null', () => {
    const { title, text, images, helpful_vote, verified_purchase, ...required } = REVIEW;
    expect(parseAmazonReview(required)).toMatchObject({ title: '', text: '', images: null, helpfulVote: null, verifiedPurchase: null, extra: null });
    expect(parseAmazonReview({ ...REVIEW, title: null, text: null })).toMatchObject({ title: '', text: '' });
  });

  it('keeps unknown keys in extra, key order and nesting intact', () => {
    const review = parseAmazonReview({ ...REVIEW, style: { 'Format:': ' Blu-ray' }, sentiment: null });
    expect(review.extra).toEqual({ style: { 'Format:': ' Blu-ray' }, sentiment: null });
  });

  it('keeps an optional field of an unexpected type in extra instead of failing the record', () => {
    const review = parseAmazonReview({ ...REVIEW, title: 5, images: 'none', helpful_vote: '3', verified_purchase: 'yes' });
    expect(review).toMatchObject({ title: '', images: null, helpfulVote: null, verifiedPurchase: null });
    expect(review.extra).toEqual({ title: 5, images: 'none', helpful_vote: '3', verified_purchase: 'yes' });
    expect(parseAmazonReview({ ...REVIEW, helpful_vote: 1.5 }).extra).toEqual({ helpful_vote: 1.5 });
    expect(parseAmazonReview({ ...REVIEW, helpful_vote: 3_000_000_000 }).extra).toEqual({ helpful_vote: 3_000_000_000 });
  });

  it('accepts fractional ratings from 1 to 5', () => {
    expect(parseAmazonReview({ ...REVIEW, rating: 1 }).rating).toBe(1);
    expect(parseAmazonReview({ ...REVIEW, rating: 4.5 }).rating).toBe(4.5);
    expect(parseAmazonReview({ ...REVIEW, rating: 5 }).rating).toBe(5);
  });

  it.each(['rating', 'asin', 'parent_asin', 'user_id', 'timestamp'])('a record without %s fails, naming the field', (field) => {
    const record: Record<string, unknown> = { ...REVIEW };
    delete record[field];
    expect(failure(() => parseAmazonReview(record))).toBe(`${field}: missing`);
    expect(failure(() => parseAmazonReview({ ...REVIEW, [field]: null }))).toBe(`${field}: missing (null)`);
  });

  it('NaN (null after parsing) is a missing rating', () => {
    expect(failure(() => parseAmazonReview(parseJsonText(JSON.stringify(REVIEW).replace('4', 'NaN'))))).toBe('rating: missing (null)');
  });

  it.each([
    [0, 'rating: expected a number from 1 to 5, got 0'],
    [5.5, 'rating: expected a number from 1 to 5, got 5.5'],
    [-1, 'rating: expected a number from 1 to 5, got -1'],
    ['5.0', 'rating: expected a number from 1 to 5, got "5.0"'],
    [true, 'rating: expected a number from 1 to 5, got true'],
  ])('rating %p fails', (rating, message) => {
    expect(failure(() => parseAmazonReview({ ...REVIEW, rating }))).toBe(message);
  });

  it.each([
    [1588687728923.5, 'timestamp: expected a non-negative integer (epoch milliseconds), got 1588687728923.5'],
    ['1588687728923', 'timestamp: expected a non-negative integer (epoch milliseconds), got "1588687728923"'],
    [-5, 'timestamp: expected a non-negative integer (epoch milliseconds), got -5'],
    [2 ** 60, 'timestamp: expected a non-negative integer (epoch milliseconds), got 1152921504606847000'],
  ])('timestamp %p fails', (timestamp, message) => {
    expect(failure(() => parseAmazonReview({ ...REVIEW, timestamp }))).toBe(message);
  });

  it.each([
    ['parent_asin', '', 'parent_asin: expected a non-empty string, got ""'],
    ['parent_asin', 42, 'parent_asin: expected a non-empty string, got 42'],
    ['asin', 'B0 FAKE', 'asin: invalid id "B0 FAKE": whitespace, control characters, < and > are not allowed'],
    ['user_id', '<AFAKE>', 'user_id: invalid id "<AFAKE>": whitespace, control characters, < and > are not allowed'],
  ])('%s %p fails', (field, value, message) => {
    expect(failure(() => parseAmazonReview({ ...REVIEW, [field]: value }))).toBe(message);
  });

  it('a record that is not an object fails', () => {
    expect(failure(() => parseAmazonReview([REVIEW]))).toMatch(/^\(record\): expected a JSON object, got \[\{"rating":4,/);
    expect(failure(() => parseAmazonReview(null))).toBe('(record): expected a JSON object, got null');
    expect(failure(() => parseAmazonReview('text'))).toBe('(record): expected a JSON object, got "text"');
  });

  it('reads every line of the fixture review file', () => {
    const reviews = fixtureLines('Movies_and_TV.jsonl').map((line) => parseAmazonReview(JSON.parse(line)));
    expect(reviews).toHaveLength(17);
    const variant = reviews.find((r) => r.asin === 'B00N9H00V1');
    expect(variant).toMatchObject({ parentAsin: 'B00N9H00TU', rating: 5, title: 'Bought the 4K edition' });
    expect(reviews.find((r) => r.userId.endsWith('3') && r.parentAsin === 'B00KJQ6OB4')?.text).toBe('Too sweet for me 🙁 — sorry, Amélie.');
    expect(reviews.filter((r) => r.extra !== null).map((r) => r.extra)).toEqual([{ style: { 'Format:': ' Blu-ray' } }]);
  });

  describe('legacy (docs/formats.md §1.5)', () => {
    const [first, second] = fixtureLines('legacy/reviews_Movies_and_TV_5.json').map((line) => JSON.parse(line));

    it('maps the legacy fields, takes asin as parent_asin and seconds as milliseconds', () => {
      expect(parseAmazonReview(first, { legacy: true })).toEqual({
        userId: 'A1LEGACYUSER01',
        asin: 'B02C0NJT21',
        parentAsin: 'B02C0NJT21',
        rating: 5,
        timestampMs: 1420070400000,
        title: 'Lovely',
        text: 'A lovely film for the whole family.',
        images: null,
        helpfulVote: null,
        verifiedPurchase: null,
        extra: { reviewerName: 'Jane “JD” Doe', helpful: [2, 3], reviewTime: '01 1, 2015' },
      });
    });

    it('keeps vote, verified, style and image in extra', () => {
      expect(parseAmazonReview(second, { legacy: true }).extra).toEqual({
        vote: '1,234',
        verified: true,
        style: { 'Format:': ' DVD' },
        reviewTime: '01 1, 2010',
        image: ['https://images.example.com/legacy.jpg'],
      });
    });

    it('names the legacy fields in errors', () => {
      expect(failure(() => parseAmazonReview({ ...first, overall: 7 }, { legacy: true }))).toBe('overall: expected a number from 1 to 5, got 7');
      expect(failure(() => parseAmazonReview({ ...first, unixReviewTime: 1.5 }, { legacy: true }))).toBe(
        'unixReviewTime: expected a non-negative integer (epoch seconds), got 1.5',
      );
      expect(failure(() => parseAmazonReview({ ...first, unixReviewTime: 2 ** 52 }, { legacy: true }))).toBe('unixReviewTime: out of range: 4503599627370496');
      const { reviewerID, ...noUser } = first;
      expect(failure(() => parseAmazonReview(noUser, { legacy: true }))).toBe('reviewerID: missing');
    });

    it('says when a file looks like the other format', () => {
      expect(failure(() => parseAmazonReview(first))).toBe('user_id: missing (this looks like a legacy record: import legacy files with --legacy)');
      expect(failure(() => parseAmazonReview(REVIEW, { legacy: true }))).toBe('reviewerID: missing (this looks like an Amazon Reviews 2023 record: drop --legacy)');
    });
  });
});

describe('parseAmazonMetadata', () => {
  it('reads the example record of docs/formats.md §1.3', () => {
    expect(parseAmazonMetadata(METADATA)).toEqual({
      parentAsin: 'B0FAKE0003',
      mainCategory: 'Movies & TV',
      title: 'Paddington 2 [Blu-ray]',
      averageRating: 4.8,
      ratingNumber: 1520,
      features: [],
      description: ['A bear in London.'],
      price: '9.99',
      store: 'FakeStudio',
      categories: ['Movies & TV', 'Kids & Family'],
      details: { 'Run time': '1 hour and 44 minutes' },
      subtitle: null,
      author: null,
      extra: { images: [], videos: [], bought_together: null },
    });
  });

  it.each([
    [12, '12', undefined],
    [9.99, '9.99', undefined],
    [null, null, undefined],
    [undefined, null, undefined],
    ['None', null, undefined],
    ['12.99', '12.99', undefined],
    [' 7 ', '7', undefined],
    ['$12.99', null, '$12.99'],
    ['from 5.99', null, 'from 5.99'],
    ['1e999', null, '1e999'],
    ['', null, ''],
    [true, null, true],
  ])('price %p is stored as %p (raw value in extra: %p)', (raw, stored, kept) => {
    const m = parseAmazonMetadata({ parent_asin: 'B0FAKE0003', price: raw });
    expect(m.price).toBe(stored);
    expect(m.extra?.price).toEqual(kept);
  });

  it('details: an object as is, a JSON string parsed, any other string kept as a string', () => {
    const details = (value: unknown) => parseAmazonMetadata({ parent_asin: 'B0FAKE0003', details: value }).details;
    expect(details({ 'Run time': '90 min' })).toEqual({ 'Run time': '90 min' });
    expect(details('{"Run time": "90 min", "Rating": NaN}')).toEqual({ 'Run time': '90 min', Rating: null });
    expect(details('{"Studio": "Ghibli\\u0000"}')).toEqual({ Studio: 'Ghibli' });
    expect(details('Region 2 (PAL)')).toBe('Region 2 (PAL)');
    expect(details('')).toBe('');
    expect(details(null)).toBeNull();
    expect(details(undefined)).toBeNull();
  });

  it('lists: null or missing → [], a single string → a one-element list, anything else → [] with the raw value in extra', () => {
    const m = parseAmazonMetadata({ parent_asin: 'B0FAKE0003', features: null, description: 'One paragraph.', categories: ['Movies & TV', 7] });
    expect(m).toMatchObject({ features: [], description: ['One paragraph.'], categories: [] });
    expect(m.extra).toEqual({ categories: ['Movies & TV', 7] });
  });

  it('title: null stays null; the other optional fields of unexpected types go to extra', () => {
    const m = parseAmazonMetadata({
      parent_asin: 'B0FAKE0003',
      title: null,
      main_category: 3,
      average_rating: '4.5',
      rating_number: 2.5,
      store: ['a'],
      author: { name: 'Someone', about: [] },
      subtitle: 'Special Edition',
    });
    expect(m).toMatchObject({ title: null, mainCategory: null, averageRating: null, ratingNumber: null, store: null, author: null, subtitle: 'Special Edition' });
    expect(m.extra).toEqual({ main_category: 3, average_rating: '4.5', rating_number: 2.5, store: ['a'], author: { name: 'Someone', about: [] } });
    expect(parseAmazonMetadata({ parent_asin: 'B0FAKE0003', title: 12 })).toMatchObject({ title: null, extra: { title: 12 } });
    expect(parseAmazonMetadata({ parent_asin: 'B0FAKE0003', average_rating: 1e39 })).toMatchObject({ averageRating: null, extra: { average_rating: 1e39 } });
  });

  it('parent_asin is required', () => {
    expect(failure(() => parseAmazonMetadata({ title: 'x' }))).toBe('parent_asin: missing');
    expect(failure(() => parseAmazonMetadata({ parent_asin: 'B0 X' }))).toBe('parent_asin: invalid id "B0 X": whitespace, control characters, < and > are not allowed');
    expect(failure(() => parseAmazonMetadata({ asin: 'B0FAKE0003', title: 'x' }))).toBe(
      'parent_asin: missing (this looks like a legacy record: import legacy files with --legacy)',
    );
    expect(failure(() => parseAmazonMetadata(7))).toBe('(record): expected a JSON object, got 7');
  });

  it('reads every line of the fixture metadata file', () => {
    const items = fixtureLines('meta_Movies_and_TV.jsonl').map((line) => parseAmazonMetadata(JSON.parse(line)));
    expect(items.map((m) => [m.parentAsin, m.title, m.price])).toEqual([
      ['B00KJQ6OB4', 'Amélie (2001) [Blu-ray]', '14.99'],
      ['B03UHRY2QN', 'Spirited Away (2001) [DVD]', null],
      ['B0018KE22R', 'My Neighbor Totoro [Blu-ray]', null],
      ['B02C0NJT21', 'Paddington (2014) [DVD]', '12.99'],
      ['B00N9H00TU', 'Paddington 2 [DVD]', '9.99'],
      ['B03C183Y0E', 'Léon: The Professional (1994) [Blu-ray]', '19'],
      ['B0NOTITLE1', null, null],
      ['B0SHORT001', ' Up ', '4.5'],
      ['B0NOTMDB01', 'Some Documentary (2019) [DVD]', '7.99'],
    ]);
    expect(items[1].details).toEqual({ 'Run time': '2 hours and 5 minutes', Studio: 'Studio Ghibli' });
    expect(items.every((m) => m.extra === null || !('price' in m.extra))).toBe(true);
  });

  describe('legacy (docs/formats.md §1.5)', () => {
    const [jsonLine, pythonLine] = fixtureLines('legacy/meta_Movies_and_TV.json');

    it('a 2018 JSON line: asin, title, main_cat, category, feature; the rest in extra', () => {
      expect(parseAmazonMetadata(parseLegacyMetadataLine(jsonLine), { legacy: true })).toEqual({
        parentAsin: 'B02C0NJT21',
        mainCategory: 'Movies & TV',
        title: 'Paddington',
        averageRating: null,
        ratingNumber: null,
        features: ['Closed-captioned'],
        description: ['A bear in London.'],
        price: null,
        store: null,
        categories: ['Movies & TV', 'Kids & Family'],
        details: null,
        subtitle: null,
        author: null,
        extra: { price: '$12.99', brand: 'StudioCanal', also_buy: ['B00N9H00TU'] },
      });
    });

    it('a 2014 Python-literal line: category paths flattened, a description string becomes a list', () => {
      expect(parseAmazonMetadata(parseLegacyMetadataLine(pythonLine), { legacy: true })).toEqual({
        parentAsin: 'B03C183Y0E',
        mainCategory: null,
        title: 'Léon',
        averageRating: null,
        ratingNumber: null,
        features: [],
        description: ['Mathilda meets Léon.'],
        price: '19.99',
        store: null,
        categories: ['Movies & TV', 'Movies', 'Action & Adventure'],
        details: null,
        subtitle: null,
        author: null,
        extra: {
          categories: [
            ['Movies & TV', 'Movies'],
            ['Movies & TV', 'Action & Adventure'],
          ],
          salesRank: { 'Movies & TV': 1234 },
          related: { also_bought: ['B02C0NJT21'] },
          imUrl: null,
        },
      });
    });

    it('only asin and title are required', () => {
      expect(parseAmazonMetadata({ asin: 'B0FAKE0001', title: '' }, { legacy: true })).toMatchObject({ parentAsin: 'B0FAKE0001', title: '', categories: [], extra: null });
      expect(failure(() => parseAmazonMetadata({ asin: 'B0FAKE0001' }, { legacy: true }))).toBe('title: missing');
      expect(failure(() => parseAmazonMetadata({ asin: 'B0FAKE0001', title: null }, { legacy: true }))).toBe('title: missing (null)');
      expect(failure(() => parseAmazonMetadata({ asin: 'B0FAKE0001', title: ['x'] }, { legacy: true }))).toBe('title: expected a string, got ["x"]');
      expect(failure(() => parseAmazonMetadata({ title: 'x' }, { legacy: true }))).toBe('asin: missing');
      expect(failure(() => parseAmazonMetadata(METADATA, { legacy: true }))).toBe('asin: missing (this looks like an Amazon Reviews 2023 record: drop --legacy)');
    });

    it('a line that is neither JSON nor a Python literal fails', () => {
      expect(failure(() => parseLegacyMetadataLine("{'asin': B0FAKE}"))).toMatch(/^\(record\): neither JSON \(.+\) nor a Python literal \(.+ at position 9\)$/);
    });
  });
});

describe('parseRatingsCsvLine', () => {
  it('the first line is a header exactly when its first field is user_id', () => {
    expect(parseRatingsCsvLine('user_id,parent_asin,rating,timestamp', 1)).toBeNull();
    expect(parseRatingsCsvLine('AFAKEUSER1,B0FAKE0001,5.0,1420070400000', 1)).toEqual({
      userId: 'AFAKEUSER1',
      parentAsin: 'B0FAKE0001',
      rating: 5,
      timestampMs: 1420070400000,
    });
  });

  it('a header with other columns fails', () => {
    expect(failure(() => parseRatingsCsvLine('user_id,item_id,rating,timestamp', 1))).toBe(
      '(header): expected "user_id,parent_asin,rating,timestamp", got "user_id,item_id,rating,timestamp"',
    );
    expect(failure(() => parseRatingsCsvLine('user_id,parent_asin,rating', 1))).toMatch(/^\(header\): expected/);
  });

  it('a header line after the first line is data, and fails as such', () => {
    expect(failure(() => parseRatingsCsvLine('user_id,parent_asin,rating,timestamp', 2))).toBe('rating: expected a number from 1 to 5, got "rating"');
  });

  it.each([
    ['AFAKEUSER1,B0FAKE0001,5.0', '(line): expected 4 comma-separated fields (user_id,parent_asin,rating,timestamp), got 3'],
    ['AFAKEUSER1,B0FAKE0001,5.0,1,2', '(line): expected 4 comma-separated fields (user_id,parent_asin,rating,timestamp), got 5'],
    [',B0FAKE0001,5.0,1420070400000', 'user_id: expected a non-empty string, got ""'],
    ['AFAKEUSER1, B0FAKE0001,5.0,1420070400000', 'parent_asin: invalid id " B0FAKE0001": whitespace, control characters, < and > are not allowed'],
    ['AFAKEUSER1,B0FAKE\u00000001,5.0,1420070400000', 'parent_asin: invalid id "B0FAKE\\u00000001": whitespace, control characters, < and > are not allowed'],
    ['AFAKEUSER1,B0FAKE0001,6.0,1420070400000', 'rating: expected a number from 1 to 5, got 6'],
    ['AFAKEUSER1,B0FAKE0001,five,1420070400000', 'rating: expected a number from 1 to 5, got "five"'],
    ['AFAKEUSER1,B0FAKE0001,,1420070400000', 'rating: expected a number from 1 to 5, got ""'],
    ['AFAKEUSER1,B0FAKE0001,5.0,1420070400000.5', 'timestamp: expected a non-negative integer (epoch milliseconds), got "1420070400000.5"'],
    ['AFAKEUSER1,B0FAKE0001,5.0,-1', 'timestamp: expected a non-negative integer (epoch milliseconds), got "-1"'],
    ['AFAKEUSER1,B0FAKE0001,5.0,99999999999999999999', 'timestamp: expected a non-negative integer (epoch milliseconds), got "99999999999999999999"'],
  ])('%p fails', (line, message) => {
    expect(failure(() => parseRatingsCsvLine(line, 2))).toBe(message);
  });

  it('reads the fixture CSV', () => {
    const rows = fixtureLines('Movies_and_TV.csv').map((line, i) => parseRatingsCsvLine(line, i + 1));
    expect(rows[0]).toBeNull();
    expect(rows).toHaveLength(17);
    expect(rows[1]).toEqual({ userId: 'AFIXTUSER0000000000000000001', parentAsin: 'B00KJQ6OB4', rating: 5, timestampMs: 1426325213589 });
  });
});

describe('removeNul', () => {
  it('removes U+0000 from strings and keys, at any depth', () => {
    expect(removeNul({ a: 'x\0y', 'k\0': [1, '\0', { b: 'c\0' }] })).toEqual({ a: 'xy', k: [1, '', { b: 'c' }] });
  });

  it('returns the value itself when it holds no U+0000', () => {
    const value = { a: 'x', b: [1, { c: null }] };
    expect(removeNul(value)).toBe(value);
  });
});
