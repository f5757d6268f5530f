/**
 * Amazon Reviews 2023 records (docs/formats.md §1.2–§1.4) and the legacy releases (§1.5) turned into
 * the rows of `amazon_reviews`, `amazon_metadata` and `amazon_ratings`. Pure: no I/O.
 *
 * A required field that is missing or invalid makes the record fail with a RecordError that names
 * the field as it is spelled in the file. An optional field of an unexpected type does not cost
 * the record: its column gets its default and the raw value goes to `extra` under its own key, as
 * do keys the format does not define, so nothing read is lost.
 */
import { RecordError } from './errors';
import { parseJsonText, setOwn } from './json';
import { parsePythonLiteral } from './python-literal';

export interface AmazonParseOptions {
  /** docs/formats.md §1.5: the older release's field names, timestamps in seconds. */
  legacy?: boolean;
}

export interface AmazonReview {
  userId: string;
  /** The purchased variant. */
  asin: string;
  /** The product group: the item key. */
  parentAsin: string;
  rating: number;
  timestampMs: number;
  title: string;
  text: string;
  images: unknown[] | null;
  helpfulVote: number | null;
  verifiedPurchase: boolean | null;
  /** Keys without a column and raw values of optional fields that had an unexpected type; null when none. */
  extra: Record<string, unknown> | null;
}

export interface AmazonMetadata {
  parentAsin: string;
  mainCategory: string | null;
  title: string | null;
  averageRating: number | null;
  ratingNumber: number | null;
  features: string[];
  description: string[];
  /** Decimal text for the `numeric` column. */
  price: string | null;
  store: string | null;
  categories: string[];
  /** Usually an object; a string that is not JSON stays a string. */
  details: unknown;
  subtitle: string | null;
  author: string | null;
  /** images, videos, bought_together, unknown keys and raw values that had an unexpected type; null when none. */
  extra: Record<string, unknown> | null;
}

export interface AmazonRating {
  userId: string;
  parentAsin: string;
  rating: number;
  timestampMs: number;
}

type Json = Record<string, unknown>;

/** Column → the key that holds it in the file. A column without a key is absent from the format. */
type Columns = Readonly<Record<string, string | undefined>>;

interface Layout {
  columns: Columns;
  /** The keys some column reads: every other key goes to `extra`. */
  mapped: ReadonlySet<string>;
}

const layout = (columns: Columns): Layout => ({ columns, mapped: new Set(Object.values(columns).filter((k) => k !== undefined)) });

const REVIEW_LAYOUT = layout({
  rating: 'rating',
  title: 'title',
  text: 'text',
  images: 'images',
  asin: 'asin',
  parent_asin: 'parent_asin',
  user_id: 'user_id',
  timestamp: 'timestamp',
  helpful_vote: 'helpful_vote',
  verified_purchase: 'verified_purchase',
});

// docs/formats.md §1.5. reviewerName, helpful, vote, verified, style, image and reviewTime have no
// column and so land in `extra`.
const LEGACY_REVIEW_LAYOUT = layout({
  rating: 'overall',
  title: 'summary',
  text: 'reviewText',
  asin: 'asin',
  parent_asin: 'asin', // the legacy data has no parent/variant distinction
  user_id: 'reviewerID',
  timestamp: 'unixReviewTime',
});

const METADATA_LAYOUT = layout({
  parent_asin: 'parent_asin',
  main_category: 'main_category',
  title: 'title',
  average_rating: 'average_rating',
  rating_number: 'rating_number',
  features: 'features',
  description: 'description',
  price: 'price',
  store: 'store',
  categories: 'categories',
  details: 'details',
  subtitle: 'subtitle',
  author: 'author',
});

/** The 2018 release calls the category path `category`, the 2014 one `categories` (a list of paths). */
const legacyMetadataLayout = (categories: 'category' | 'categories') =>
  layout({
    parent_asin: 'asin',
    title: 'title',
    main_category: 'main_cat',
    features: 'feature',
    description: 'description',
    categories,
    price: 'price',
    details: 'details',
  });
const LEGACY_METADATA_LAYOUTS = { category: legacyMetadataLayout('category'), categories: legacyMetadataLayout('categories') };

// Bounds of the `integer` and `real` columns: a value beyond them would fail the whole COPY.
const INT4_MAX = 2_147_483_647;
const FLOAT4_MAX = 3.4e38;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for an error message: JSON, cut short. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** One record read through a layout; collects what goes to `extra`. */
class Fields {
  readonly extra: Json = {};
  private hasExtra = false;
  private readonly columns: Columns;

  constructor(
    private readonly record: Json,
    layout: Layout,
    /** Appended to "missing": says when the record looks like it is in the other format. */
    private readonly formatHint: () => string,
  ) {
    this.columns = layout.columns;
    for (const key of Object.keys(record)) if (!layout.mapped.has(key)) this.setExtra(key, record[key]);
  }

  private setExtra(key: string, value: unknown): void {
    setOwn(this.extra, key, value);
    this.hasExtra = true;
  }

  /** The key as spelled in the file, for messages and `extra`. */
  key(column: string): string {
    return this.columns[column] ?? column;
  }

  get(column: string): unknown {
    const key = this.columns[column];
    return key !== undefined && Object.hasOwn(this.record, key) ? this.record[key] : undefined;
  }

  /** The value of a required field; missing or null fails the record. */
  required(column: string): unknown {
    const value = this.get(column);
    if (value === undefined) throw new RecordError(this.key(column), `missing${this.formatHint()}`);
    if (value === null) throw new RecordError(this.key(column), 'missing (null)');
    return value;
  }

  /** An optional field with an unexpected value: kept as read in `extra`. */
  keep(column: string, raw: unknown): void {
    this.setExtra(this.key(column), raw);
  }

  extraOrNull(): Json | null {
    return this.hasExtra ? this.extra : null;
  }
}

function asRecord(record: unknown): Json {
  if (!isObject(record)) throw new RecordError('(record)', `expected a JSON object, got ${show(record)}`);
  return record;
}

/**
 * An item or user id: a non-empty string without whitespace, control characters (U+0000 would
 * also break COPY) or `<>` (ids become `<id_…>` tags).
 */
function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new RecordError(field, `expected a non-empty string, got ${show(value)}`);
  if (/[\s\p{Cc}<>]/u.test(value)) throw new RecordError(field, `invalid id ${show(value)}: whitespace, control characters, < and > are not allowed`);
  return value;
}

const id = (f: Fields, column: string): string => checkId(f.key(column), f.required(column));

function requiredString(f: Fields, column: string): string {
  const value = f.required(column);
  if (typeof value !== 'string') throw new RecordError(f.key(column), `expected a string, got ${show(value)}`);
  return value;
}

function starRating(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 1 && value <= 5)) throw new RecordError(field, `expected a number from 1 to 5, got ${show(value)}`);
  return value;
}

function timestampMs(f: Fields, seconds: boolean): number {
  const value = f.required('timestamp');
  const unit = seconds ? 'epoch seconds' : 'epoch milliseconds';
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RecordError(f.key('timestamp'), `expected a non-negative integer (${unit}), got ${show(value)}`);
  }
  const ms = seconds ? value * 1000 : value;
  if (!Number.isSafeInteger(ms)) throw new RecordError(f.key('timestamp'), `out of range: ${show(value)}`);
  return ms;
}

/** Optional field: `accept` picks the values the column takes; anything else is kept in `extra`. */
function optional<T>(f: Fields, column: string, fallback: T, accept: (value: unknown) => value is T): T {
  const value = f.get(column);
  if (value === undefined || value === null) return fallback;
  if (accept(value)) return value;
  f.keep(column, value);
  return fallback;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isFloat4 = (v: unknown): v is number => isFiniteNumber(v) && Math.abs(v) <= FLOAT4_MAX;
const isInt4 = (v: unknown): v is number => Number.isSafeInteger(v) && Math.abs(v as number) <= INT4_MAX;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** A list of strings; a single string is a one-element list. */
function stringList(f: Fields, column: string): string[] {
  const value = f.get(column);
  if (typeof value === 'string') return [value];
  return optional(f, column, [], isStringList);
}

/**
 * docs/formats.md §1.3: a number, null, "None" or a numeric string. Any other string (a currency sign,
 * a range, "—") leaves the price null and keeps the raw value in `extra`.
 */
function price(f: Fields): string | null {
  const value = f.get('price');
  if (value === undefined || value === null || value === 'None') return null;
  if (isFiniteNumber(value)) return String(value);
  if (typeof value === 'string' && DECIMAL.test(value.trim()) && Number.isFinite(Number(value))) return value.trim();
  f.keep('price', value);
  return null;
}

/** An object in the raw files; a JSON string is parsed, any other string kept as it is. */
function details(f: Fields): unknown {
  const value = f.get('details');
  if (value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    // The nested JSON may spell a U+0000 that the line's own check could not see.
    return removeNul(parseJsonText(value));
  } catch {
    return value;
  }
}

/** The 2014 release's list of category paths, flattened (first occurrence wins); the paths stay in `extra`. */
function legacyCategories(f: Fields): string[] {
  const value = f.get('categories');
  if (!Array.isArray(value) || !value.length || !value.every(isStringList)) return stringList(f, 'categories');
  f.keep('categories', value);
  return [...new Set(value.flat())];
}

/** Keys that only one of the two formats has: they tell a user who picked the wrong one. */
interface FormatKeys {
  legacy: readonly string[];
  current: readonly string[];
}
const REVIEW_KEYS: FormatKeys = { legacy: ['reviewerID', 'unixReviewTime', 'overall'], current: ['user_id', 'parent_asin'] };
// A 2023 metadata record has no `asin`; a legacy one has no `parent_asin`.
const METADATA_KEYS: FormatKeys = { legacy: ['asin'], current: ['parent_asin'] };

/** Evaluated only for a "missing" message. */
const hint = (legacy: boolean, record: Json, keys: FormatKeys) => (): string => {
  if (!legacy && keys.legacy.some((k) => Object.hasOwn(record, k))) return ' (this looks like a legacy record: import legacy files with --legacy)';
  if (legacy && keys.current.some((k) => Object.hasOwn(record, k))) return ' (this looks like an Amazon Reviews 2023 record: drop --legacy)';
  return '';
};

/** One line of a review file (docs/formats.md §1.2, or §1.5 with `legacy`). */
export function parseAmazonReview(value: unknown, options: AmazonParseOptions = {}): AmazonReview {
  const record = asRecord(value);
  const legacy = options.legacy ?? false;
  const f = new Fields(record, legacy ? LEGACY_REVIEW_LAYOUT : REVIEW_LAYOUT, hint(legacy, record, REVIEW_KEYS));
  return {
    userId: id(f, 'user_id'),
    asin: id(f, 'asin'),
    parentAsin: id(f, 'parent_asin'),
    rating: starRating(f.key('rating'), f.required('rating')),
    timestampMs: timestampMs(f, legacy),
    title: optional(f, 'title', '', isString),
    text: optional(f, 'text', '', isString),
    images: optional<unknown[] | null>(f, 'images', null, isArray),
    helpfulVote: optional<number | null>(f, 'helpful_vote', null, isInt4),
    verifiedPurchase: optional<boolean | null>(f, 'verified_purchase', null, isBoolean),
    extra: f.extraOrNull(),
  };
}

/** One line of a metadata file (docs/formats.md §1.3, or §1.5 with `legacy`: only asin and title required). */
export function parseAmazonMetadata(value: unknown, options: AmazonParseOptions = {}): AmazonMetadata {
  const record = asRecord(value);
  const legacy = options.legacy ?? false;
  const layout = !legacy ? METADATA_LAYOUT : LEGACY_METADATA_LAYOUTS[Object.hasOwn(record, 'category') ? 'category' : 'categories'];
  const f = new Fields(record, layout, hint(legacy, record, METADATA_KEYS));
  const parentAsin = id(f, 'parent_asin');
  const title = legacy ? requiredString(f, 'title') : optional<string | null>(f, 'title', null, isString);
  return {
    parentAsin,
    mainCategory: optional<string | null>(f, 'main_category', null, isString),
    title,
    averageRating: optional<number | null>(f, 'average_rating', null, isFloat4),
    ratingNumber: optional<number | null>(f, 'rating_number', null, isInt4),
    features: stringList(f, 'features'),
    description: stringList(f, 'description'),
    price: price(f),
    store: optional<string | null>(f, 'store', null, isString),
    categories: legacy ? legacyCategories(f) : stringList(f, 'categories'),
    details: details(f),
    subtitle: optional<string | null>(f, 'subtitle', null, isString),
    author: optional<string | null>(f, 'author', null, isString),
    extra: f.extraOrNull(),
  };
}

/**
 * A legacy metadata line: JSON in the 2018 release, a Python-literal dict (`repr()`, single
 * quotes) in the 2014 one. JSON is tried first (docs/formats.md §1.5).
 */
export function parseLegacyMetadataLine(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (jsonError) {
    try {
      return parsePythonLiteral(text);
    } catch (pythonError) {
      throw new RecordError('(record)', `neither JSON (${(jsonError as Error).message}) nor a Python literal (${(pythonError as Error).message})`, 'INVALID_RECORD');
    }
  }
}

export const RATINGS_HEADER = 'user_id,parent_asin,rating,timestamp';

/**
 * One line of the 5-core rating-only CSV (docs/formats.md §1.4): comma-separated, no quoting, exactly
 * four fields. The first line is a header exactly when its first field is `user_id`; then it must
 * be the header and the function returns null. Legacy rating files are not supported.
 */
export function parseRatingsCsvLine(text: string, lineNumber: number): AmazonRating | null {
  const fields = text.split(',');
  if (lineNumber === 1 && fields[0] === 'user_id') {
    if (text !== RATINGS_HEADER) throw new RecordError('(header)', `expected "${RATINGS_HEADER}", got ${show(text)}`);
    return null;
  }
  if (fields.length !== 4) throw new RecordError('(line)', `expected 4 comma-separated fields (${RATINGS_HEADER}), got ${fields.length}`);
  const [userId, parentAsin, rating, timestamp] = fields;
  checkId('user_id', userId);
  checkId('parent_asin', parentAsin);
  if (!DECIMAL.test(rating)) throw new RecordError('rating', `expected a number from 1 to 5, got ${show(rating)}`);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(Number(timestamp))) {
    throw new RecordError('timestamp', `expected a non-negative integer (epoch milliseconds), got ${show(timestamp)}`);
  }
  return { userId, parentAsin, rating: starRating('rating', Number(rating)), timestampMs: Number(timestamp) };
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, which JSON can carry as `\u0000`: removes it
 * from every string and key. Returns `value` itself when it holds none.
 */
export function removeNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\0') ? value.replaceAll('\0', '') : value;
  if (Array.isArray(value)) {
    const out = value.map(removeNul);
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (isObject(value)) {
    const out: Json = {};
    let changed = false;
    for (const [key, v] of Object.entries(value)) {
      const k = removeNul(key) as string;
      const cleaned = removeNul(v);
      changed ||= k !== key || cleaned !== v;
      setOwn(out, k, cleaned);
    }
    return changed ? out : value;
  }
  return value;
}
