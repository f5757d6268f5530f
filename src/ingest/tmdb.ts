/**
 * One record of `tmdb_movies.json` (docs/formats.md §2.1–2.2) turned into item features
 * (docs/pipeline.md §2.7) and knowledge-graph edges (docs/formats.md §8.7).
 *
 * Only a missing or invalid key (`asin`/`parent_asin`) or `title` makes the record fail. A
 * structured field that cannot be read is set to "no value", its raw value is kept in `extra`
 * and the record carries a flag, so that one odd field does not cost the whole item.
 */
import { RecordError } from './errors';
import { parseJsonText } from './json';
import { parsePythonLiteral } from './python-literal';
import { cleanTitle } from './titles';

export type TmdbFlagCode =
  /** A structured field held a string that is neither a Python literal nor JSON. */
  | 'UNPARSEABLE_LITERAL'
  /** A field (or an entry of it) does not have the expected shape. */
  | 'INVALID_FIELD';

export interface TmdbFlag {
  code: TmdbFlagCode;
  /** The record key, spelled as in the file. */
  field: string;
  detail: string;
}

export type KgEntityType = 'person' | 'genre' | 'keyword';

export interface KgEdge {
  /** Typed tail key: `person:<tmdb id>`, `genre:<tmdb id>` or `keyword:<tmdb id>`. */
  key: string;
  type: KgEntityType;
  /** Canonical name: the TMDB name, trimmed. */
  name: string;
  /** Relation name of docs/formats.md §8.7, e.g. `has_acting`, `has_visual effects`. */
  relation: string;
  /** 0-based order of this edge among the item's edges of the same relation. */
  position: number;
}

export interface TmdbItem {
  /** The Amazon parent_asin (key `asin`, or `parent_asin` when `asin` is absent). */
  asin: string;
  /** TMDB title as given (shown in prompts). */
  title: string;
  /** Title for dialogue text and exports (docs/pipeline.md §2.7). */
  cleanedTitle: string;
  overview: string | null;
  genres: string[];
  keywords: string[];
  /** Top-10 actors: Acting department, by popularity descending (stable), one entry per person. */
  cast: string[];
  directors: string[];
  collection: string | null;
  /** `origin_country` codes. */
  countries: string[];
  visualCaption: string | null;
  tmdbId: number | null;
  kg: KgEdge[];
  /** Keys the importer does not interpret, and raw values of fields that could not be read. */
  extra: Record<string, unknown>;
  flags: TmdbFlag[];
}

/** Crew department → relation name (docs/formats.md §8.7). */
export const CREW_RELATIONS: Readonly<Record<string, string>> = {
  Directing: 'has_directing',
  Production: 'has_production',
  Art: 'has_art',
  Editing: 'has_editing',
  Writing: 'has_writing',
  'Visual Effects': 'has_visual effects',
  Sound: 'has_sound',
  'Costume & Make-Up': 'has_costume & make-up',
  Camera: 'has_camera',
  Lighting: 'has_lighting',
  Crew: 'has_crew',
  Creator: 'has_creator',
};

const MAX_ACTORS = 10;

/** String values that mean "no value" in a structured field (docs/formats.md §2.2). */
const NO_VALUE = new Set(['null', 'None', 'nan', 'NaN', '']);

const KNOWN_KEYS = new Set([
  'asin',
  'parent_asin',
  'title',
  'overview',
  'genres',
  'keywords',
  'casts',
  'origin_country',
  'belongs_to_collection',
  'Visual Caption',
]);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Per-record state: flags and the raw values that go to `extra`. */
class Context {
  readonly flags: TmdbFlag[] = [];
  readonly extra: Json = {};

  flag(code: TmdbFlagCode, field: string, detail: string): void {
    if (!this.flags.some((f) => f.code === code && f.field === field)) this.flags.push({ code, field, detail });
  }

  /** Keeps the raw value of an unreadable field and flags it. */
  reject(field: string, raw: unknown, code: TmdbFlagCode, detail: string): void {
    this.extra[field] = raw;
    this.flag(code, field, detail);
  }
}

export function parseTmdbRecord(record: unknown): TmdbItem {
  if (!isObject(record)) throw new RecordError('(record)', 'expected a JSON object');
  const ctx = new Context();

  const asinKey = record.asin !== undefined && record.asin !== null ? 'asin' : 'parent_asin';
  const asin = record[asinKey];
  if (asin === undefined || asin === null) throw new RecordError('asin', 'missing (neither asin nor parent_asin is set)');
  if (typeof asin !== 'string' || asin.trim() === '') throw new RecordError(asinKey, 'expected a non-empty string');
  if (/[\s<>]/.test(asin)) throw new RecordError(asinKey, `invalid item id ${JSON.stringify(asin)}`);

  const title = record.title;
  if (title === undefined || title === null) throw new RecordError('title', 'missing');
  if (typeof title !== 'string' || title.trim() === '') throw new RecordError('title', 'expected a non-empty string');

  const { id: tmdbId, key: tmdbIdKey } = findTmdbId(ctx, record);
  for (const [key, value] of Object.entries(record)) {
    if (key === tmdbIdKey || (KNOWN_KEYS.has(key) && !(key === 'parent_asin' && asinKey === 'asin'))) continue;
    ctx.extra[key] = value;
  }

  const genres = namedEntries(ctx, 'genres', structured(ctx, record, 'genres'));
  const keywordsValue = structured(ctx, record, 'keywords');
  const keywords = namedEntries(ctx, 'keywords', isObject(keywordsValue) ? unwrapKeywords(ctx, keywordsValue) : keywordsValue);
  const { actors, crew } = casts(ctx, structured(ctx, record, 'casts'));

  const kg = new KgBuilder();
  for (const actor of actors) kg.add('person', actor.id, actor.name, 'has_acting');
  for (const genre of genres) kg.add('genre', genre.id, genre.name, 'has_genre');
  for (const keyword of keywords) kg.add('keyword', keyword.id, keyword.name, 'has_keyword');
  for (const member of crew) {
    const relation = member.department === undefined ? undefined : CREW_RELATIONS[member.department];
    if (relation) kg.add('person', member.id, member.name, relation);
  }

  return {
    asin,
    title,
    cleanedTitle: cleanTitle(title),
    overview: overview(ctx, record.overview),
    genres: unique(genres.map((g) => g.name)),
    keywords: unique(keywords.map((k) => k.name)),
    cast: actors.map((a) => a.name),
    directors: directors(crew),
    collection: collection(ctx, structured(ctx, record, 'belongs_to_collection')),
    countries: countries(ctx, structured(ctx, record, 'origin_country')),
    visualCaption: visualCaption(ctx, record['Visual Caption']),
    tmdbId,
    kg: kg.edges,
    extra: ctx.extra,
    flags: ctx.flags,
  };
}

/**
 * The value of a structured field: native JSON as is, or a string parsed as a Python literal
 * (JSON text is tried next, since some redistributions serialise with json.dumps). `undefined`
 * means no value.
 */
function structured(ctx: Context, record: Json, key: string): unknown {
  const raw = record[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  if (NO_VALUE.has(text)) return undefined;
  try {
    return parsePythonLiteral(text);
  } catch (pythonError) {
    try {
      return parseJsonText(text);
    } catch {
      ctx.reject(key, raw, 'UNPARSEABLE_LITERAL', (pythonError as Error).message);
      return undefined;
    }
  }
}

function unwrapKeywords(ctx: Context, value: Json): unknown {
  if (Array.isArray(value.keywords)) return value.keywords;
  if (value.keywords === null || value.keywords === undefined) return [];
  ctx.reject('keywords', value, 'INVALID_FIELD', 'expected {"keywords": [...]} or a list');
  return undefined;
}

interface Named {
  id: string | undefined;
  name: string;
}

/** TMDB ids are non-negative integers; a JSON number or a digit string is accepted. */
function tmdbKey(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return String(Number(value.trim()));
  return undefined;
}

/** `[{id, name}, …]` → entries with a usable name, in file order. */
function namedEntries(ctx: Context, field: string, value: unknown): Named[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    if (!(field in ctx.extra)) ctx.reject(field, value, 'INVALID_FIELD', 'expected a list of {id, name}');
    return [];
  }
  const out: Named[] = [];
  value.forEach((entry, i) => {
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name.trim() : '';
    if (name === '') {
      ctx.flag('INVALID_FIELD', field, `${field}[${i}] has no name`);
      return;
    }
    out.push({ id: tmdbKey((entry as Json).id), name });
  });
  return out;
}

interface CrewMember extends Named {
  department: string | undefined;
  job: string | undefined;
  hasJob: boolean;
}

function casts(ctx: Context, value: unknown): { actors: Named[]; crew: CrewMember[] } {
  if (value === undefined) return { actors: [], crew: [] };
  if (!isObject(value) || !isListOrAbsent(value.cast) || !isListOrAbsent(value.crew)) {
    ctx.reject('casts', value, 'INVALID_FIELD', 'expected {"cast": [...], "crew": [...]}');
    return { actors: [], crew: [] };
  }
  const cast = (value.cast ?? []) as unknown[];
  const crewList = (value.crew ?? []) as unknown[];

  const acting: Array<Named & { popularity: number }> = [];
  cast.forEach((entry, i) => {
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name.trim() : '';
    if (name === '') {
      ctx.flag('INVALID_FIELD', 'casts', `cast[${i}] has no name`);
      return;
    }
    const e = entry as Json;
    if (e.known_for_department !== 'Acting') return;
    // Unknown popularity sorts after every known one.
    const popularity = typeof e.popularity === 'number' && Number.isFinite(e.popularity) ? e.popularity : -Infinity;
    acting.push({ id: tmdbKey(e.id), name, popularity });
  });
  // Array.prototype.sort is stable: equal popularity keeps file order.
  acting.sort((a, b) => (a.popularity === b.popularity ? 0 : b.popularity > a.popularity ? 1 : -1));
  // One person can be listed for several characters; they count once.
  const seen = new Set<string>();
  const actors: Named[] = [];
  for (const a of acting) {
    const identity = a.id !== undefined ? `id:${a.id}` : `name:${a.name}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    actors.push({ id: a.id, name: a.name });
    if (actors.length === MAX_ACTORS) break;
  }

  const crew: CrewMember[] = [];
  crewList.forEach((entry, i) => {
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name.trim() : '';
    if (name === '') {
      ctx.flag('INVALID_FIELD', 'casts', `crew[${i}] has no name`);
      return;
    }
    const e = entry as Json;
    crew.push({
      id: tmdbKey(e.id),
      name,
      department: typeof e.department === 'string' ? e.department : undefined,
      job: typeof e.job === 'string' ? e.job : undefined,
      hasJob: 'job' in e,
    });
  });
  return { actors, crew };
}

const isListOrAbsent = (v: unknown) => v === undefined || v === null || Array.isArray(v);

/**
 * docs/pipeline.md §2.7: crew with job `Director` when any crew entry has a job field at all (older
 * dumps have only departments), else department `Directing`; file order, duplicates removed.
 */
function directors(crew: CrewMember[]): string[] {
  const byJob = crew.some((c) => c.hasJob);
  return unique(crew.filter((c) => (byJob ? c.job === 'Director' : c.department === 'Directing')).map((c) => c.name));
}

function overview(ctx: Context, value: unknown): string | null {
  if (value === undefined || value === null || value === 'null') return null;
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  if (typeof value === 'string') return value;
  ctx.reject('overview', value, 'INVALID_FIELD', 'expected a string');
  return null;
}

function visualCaption(ctx: Context, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  ctx.reject('Visual Caption', value, 'INVALID_FIELD', 'expected a string');
  return null;
}

function collection(ctx: Context, value: unknown): string | null {
  if (value === undefined) return null;
  if (isObject(value) && (value.name === undefined || value.name === null || typeof value.name === 'string')) {
    const name = typeof value.name === 'string' ? value.name.trim() : '';
    return name === '' ? null : name;
  }
  ctx.reject('belongs_to_collection', value, 'INVALID_FIELD', 'expected {id, name, …}');
  return null;
}

function countries(ctx: Context, value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((c) => typeof c === 'string')) {
    return unique((value as string[]).map((c) => c.trim()).filter((c) => c !== ''));
  }
  ctx.reject('origin_country', value, 'INVALID_FIELD', 'expected a list of country codes');
  return [];
}

/** The TMDB id from `tmdb_id`, else `id`; the key it came from is not copied to `extra`. */
function findTmdbId(ctx: Context, record: Json): { id: number | null; key: string | undefined } {
  for (const key of ['tmdb_id', 'id']) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    const id = tmdbKey(value);
    if (id !== undefined) return { id: Number(id), key };
    ctx.flag('INVALID_FIELD', key, 'expected a non-negative integer TMDB id');
  }
  return { id: null, key: undefined };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Collects edges, once per (relation, key), numbering positions per relation. */
class KgBuilder {
  readonly edges: KgEdge[] = [];
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();

  add(type: KgEntityType, id: string | undefined, name: string, relation: string): void {
    if (id === undefined) return; // without an id there is no entity to link
    const key = `${type}:${id}`;
    const identity = `${relation}\u0000${key}`;
    if (this.seen.has(identity)) return;
    this.seen.add(identity);
    const position = this.counts.get(relation) ?? 0;
    this.counts.set(relation, position + 1);
    this.edges.push({ key, type, name, relation, position });
  }
}
