/**
 * Deterministic synthesizer of a DistillRecDial-sized dataset in the released formats, for the
 * benchmarks: `tmdb_movies.json` (docs/formats.md §2) and the three release JSONL splits
 * (docs/formats.md §3.1, §3.6). Same parameters → byte-identical files.
 *
 * Besides the inputs it writes, under `floor/`, the rows an importer should end up with
 * (items, dialogues, turns, mentions) as COPY text files: the import benchmark's floor is a plain
 * COPY of exactly these rows.
 *
 * The release format carries no user ids, so the 23,500 users of DistillRecDial cannot be
 * expressed in it; `--users` is recorded in the manifest and otherwise unused.
 *
 *   node dist/test/bench/synthesize.js [--scale 1] [--dialogues N] [--items N] [--seed 42] [--out DIR] [--force]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PyTuple, pyJsonDumps, pyRepr } from './python-style';
import { Rng } from './rng';
import * as V from './vocabulary';
import { TextWriter, pgTextArray, tsvRow } from './writer';

/** Bump when the output changes for the same parameters (invalidates cached datasets). */
export const SYNTH_VERSION = 2;

export const DEFAULT_PARAMS = { seed: 42, dialogues: 21_000, items: 15_600, users: 23_500 };
export const DEFAULT_OUT = path.resolve(__dirname, '..', '..', '..', 'test', 'bench', 'out');

export interface SynthParams {
  seed: number;
  dialogues: number;
  items: number;
  users: number;
}

export const STEREOTYPE_KEYS = [
  'Cold-Start Browser',
  'Cold-Start Task-Oriented',
  'History-Only Explorer',
  'History + Hint Seeker',
  'Fully Expressive Seeker',
] as const;

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export const DOMAIN = 'Movies_and_TV';
export const RELEASE_FILE = (split: Split) => `${DOMAIN}_llama3.1_reserved_special_token_10_${split}.jsonl`;
export const MARKER = '<|reserved_special_token_10|>';
export const SYSTEM_MESSAGE =
  'You are a friendly and knowledgeable conversational recommender system for movies and TV shows. ' +
  'Learn what the user likes through natural dialogue, ask clarifying questions when their request is vague, ' +
  'and suggest personalised titles that match their tastes.';

export interface SynthCounts {
  items: number;
  dialogues: number;
  turns: number;
  mentions: number;
  recommendationMentions: number;
  unknownMentions: number;
  dialoguesWithUnknownIds: number;
  dialoguesWithoutTargetMention: number;
  bySplit: Record<string, number>;
  byStereotype: Record<string, number>;
}

export interface SynthManifest {
  version: number;
  params: SynthParams;
  /** Relative to the dataset folder. */
  files: {
    tmdb: string;
    releaseDir: string;
    release: Record<Split, string>;
    floor: { items: string; dialogues: string; turns: string; mentions: string };
  };
  bytes: Record<string, number>;
  sha256: Record<string, string>;
  counts: SynthCounts;
  seconds: number;
  note: string;
}

export interface SynthDataset {
  dir: string;
  manifest: SynthManifest;
  cached: boolean;
  tmdbFile: string;
  releaseDir: string;
  floorFile(name: keyof SynthManifest['files']['floor']): string;
}

export function datasetDir(outRoot: string, p: SynthParams): string {
  return path.join(outRoot, `drd-seed${p.seed}-d${p.dialogues}-i${p.items}`);
}

function dataset(dir: string, manifest: SynthManifest, cached: boolean): SynthDataset {
  return {
    dir,
    manifest,
    cached,
    tmdbFile: path.join(dir, manifest.files.tmdb),
    releaseDir: path.join(dir, manifest.files.releaseDir),
    floorFile: (name) => path.join(dir, manifest.files.floor[name]),
  };
}

// ---------------------------------------------------------------------------------------------
// Catalogue

interface SynthItem {
  asin: string;
  title: string;
  cleaned: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function asinLike(rng: Rng): string {
  if (rng.chance(0.08)) {
    // Older items are all digits.
    let s = rng.pick(['6300', '0780', '0792', '1419']);
    while (s.length < 10) s += String(rng.int(10));
    return s;
  }
  let s = 'B0';
  while (s.length < 10) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

/** docs/pipeline.md §2.7: drop `(...)`/`[...]` parts innermost first, collapse whitespace, trim. */
export function cleanTitle(title: string): string {
  let s = title;
  for (;;) {
    const next = s.replace(/\([^()]*\)|\[[^[\]]*\]/g, '');
    if (next === s) break;
    s = next;
  }
  s = s.replace(/\s+/g, ' ').trim();
  return s || title.trim();
}

function personName(rng: Rng): string {
  return `${rng.pick(V.FIRST_NAMES)} ${rng.pick(V.LAST_NAMES)}`;
}

function round3(n: number): number {
  const r = Math.round(n * 1000) / 1000;
  return Number.isInteger(r) ? r + 0.001 : r;
}

interface ItemRecord {
  record: Record<string, unknown>;
  row: Array<string | number | null>;
}

const FLOAT_KEYS = new Set(['popularity', 'vote_average']);

function buildItem(rng: Rng, index: number, item: SynthItem): ItemRecord {
  const tmdbId = 1000 + index * 7 + rng.int(7);
  const genres = rng.sample(V.GENRES, rng.range(1, 3)).map(([id, name]) => ({ id, name }));
  const keywords = rng.sample(V.KEYWORDS, rng.range(0, 8)).map((name) => ({ id: 9000 + V.KEYWORDS.indexOf(name), name }));
  const cast = Array.from({ length: rng.range(3, 14) }, (_, order) => ({
    adult: false,
    gender: rng.range(0, 2),
    id: 100_000 + rng.int(900_000),
    known_for_department: rng.chance(0.9) ? 'Acting' : rng.pick(['Directing', 'Writing', 'Production']),
    name: personName(rng),
    original_name: '',
    popularity: round3(0.5 + rng.next() * 40),
    character: `${rng.pick(V.FIRST_NAMES)} ${rng.pick(V.LAST_NAMES)}`,
    credit_id: crypto.createHash('md5').update(`${index}:${order}`).digest('hex').slice(0, 24),
    order,
  }));
  for (const c of cast) c.original_name = c.name;
  const crew = Array.from({ length: rng.range(2, 9) }, (_, k) => {
    const [department, job] = k === 0 ? (['Directing', 'Director'] as const) : rng.pick(V.DEPARTMENTS);
    return { id: 100_000 + rng.int(900_000), name: personName(rng), department, job };
  });
  const countries = rng.sample(V.COUNTRIES, rng.range(1, 2));
  const collection = rng.chance(0.2) ? { id: 500 + rng.int(5000), name: `The ${rng.pick(V.TITLE_NOUNS_A)} Collection`, poster_path: null, backdrop_path: rng.chance(0.5) ? `/${rng.int(1e9).toString(36)}.jpg` : null } : null;
  const overview = rng.chance(0.03)
    ? rng.pick([null, 'null'])
    : `${rng.pick(V.OVERVIEW_PARTS.who)} ${rng.pick(V.OVERVIEW_PARTS.what)} ${rng.pick(V.OVERVIEW_PARTS.where)}. ${rng.pick(V.OVERVIEW_PARTS.who)} ${rng.pick(V.OVERVIEW_PARTS.what)}.`;
  const caption = `The poster shows ${rng.pick(V.CAPTION_PARTS.subject)} ${rng.pick(V.CAPTION_PARTS.place)}, ${rng.pick(V.CAPTION_PARTS.style)}, with the title "${item.title}" at the top.`;
  const extra = {
    id: tmdbId,
    release_date: `${1950 + rng.int(75)}-${String(rng.range(1, 12)).padStart(2, '0')}-${String(rng.range(1, 28)).padStart(2, '0')}`,
    runtime: rng.range(70, 190),
    popularity: round3(rng.next() * 120),
    vote_average: round3(3 + rng.next() * 6),
    original_language: rng.pick(V.LANGUAGES),
    poster_path: `/${rng.int(2 ** 31).toString(36)}${rng.int(2 ** 31).toString(36)}.jpg`,
  };

  // Structured fields: native JSON or a Python-literal string, as in the real file.
  const record: Record<string, unknown> = {
    asin: item.asin,
    title: item.title,
    overview,
    genres: rng.chance(0.6) ? pyRepr(genres) : genres,
    keywords: rng.chance(0.3) ? pyRepr({ keywords }) : rng.chance(0.15) ? keywords : { keywords },
    casts: rng.chance(0.7) ? pyRepr({ cast, crew }, FLOAT_KEYS) : { cast, crew },
    origin_country: rng.chance(0.3) ? pyRepr(new PyTuple(countries)) : countries,
    belongs_to_collection: collection ? (rng.chance(0.6) ? pyRepr(collection) : collection) : rng.pick([null, 'null', 'None']),
    'Visual Caption': caption,
    ...extra,
  };

  // What an importer derives (docs/pipeline.md §2.7), for the COPY floor.
  const actors = cast
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.known_for_department === 'Acting')
    .sort((a, b) => b.c.popularity - a.c.popularity || a.i - b.i)
    .slice(0, 10)
    .map(({ c }) => c.name);
  const directors = [...new Set(crew.filter((c) => c.job === 'Director').map((c) => c.name))];
  const row = [
    index + 1,
    item.asin,
    DOMAIN,
    item.title,
    item.cleaned,
    pgTextArray(genres.map((g) => g.name)),
    pgTextArray(keywords.map((k) => k.name)),
    pgTextArray(actors),
    pgTextArray(directors),
    overview === null || overview === 'null' ? null : overview,
    collection?.name ?? null,
    pgTextArray(countries),
    caption,
    tmdbId,
    JSON.stringify(extra),
  ];
  return { record, row };
}

function buildCatalogue(rng: Rng, count: number): SynthItem[] {
  const maxTitles = V.TITLE_ADJECTIVES.length * V.TITLE_NOUNS_A.length * V.TITLE_NOUNS_B.length;
  if (count > maxTitles / 2) throw new Error(`at most ${Math.floor(maxTitles / 2)} items (distinct titles) can be synthesized`);
  const asins = new Set<string>();
  const titles = new Set<string>();
  const items: SynthItem[] = [];
  while (items.length < count) {
    const asin = asinLike(rng);
    if (asins.has(asin)) continue;
    const cleaned = `${rng.pick(V.TITLE_ADJECTIVES)} ${rng.pick(V.TITLE_NOUNS_A)} ${rng.pick(V.TITLE_NOUNS_B)}`;
    if (titles.has(cleaned)) continue;
    asins.add(asin);
    titles.add(cleaned);
    const r = rng.next();
    const title = r < 0.1 ? `${cleaned} ${rng.pick(V.TITLE_SUFFIXES)}` : r < 0.12 ? `${cleaned}  ${rng.pick(V.TITLE_SUFFIXES)} ` : cleaned;
    if (cleanTitle(title) !== cleaned) throw new Error(`cleanTitle("${title}") !== "${cleaned}"`);
    items.push({ asin, title, cleaned });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Dialogues

type Role = 'USER' | 'ASSISTANT';

interface Mention {
  item: number | null; // catalogue index
  rawId: string;
  start: number;
  end: number;
  isRecommendation: boolean;
  isFirst: boolean;
}

interface TurnDraft {
  role: Role;
  text: string; // stored text: tags and markers replaced by cleaned titles
  release: string; // the message body in the release file
  mentions: Mention[];
}

/** A reference inside a template: a catalogue item (index) or an unknown `<id_…>` tag. */
type Ref = { item: number } | { unknown: string };

class DialogueBuilder {
  readonly turns: TurnDraft[] = [];
  readonly named: number[] = [];
  private readonly seen = new Set<number>();

  constructor(
    private readonly rng: Rng,
    private readonly catalogue: SynthItem[],
  ) {}

  private fill(template: string): string {
    return template
      .replace(/\{genre\}/g, () => this.rng.pick(V.GENRE_WORDS))
      .replace(/\{mood\}/g, () => this.rng.pick(V.MOODS))
      .replace(/\{feature\}/g, () => this.rng.pick(V.FEATURES));
  }

  /** Adds a turn made of sentences; each `{item}` in a sentence takes the next ref. */
  turn(role: Role, sentences: Array<[template: string, refs?: Ref[]]>): void {
    let text = '';
    let release = '';
    const mentions: Mention[] = [];
    sentences.forEach(([template, refs = []], n) => {
      if (n > 0) {
        text += ' ';
        release += ' ';
      }
      const pieces = this.fill(template).split('{item}');
      if (pieces.length - 1 !== refs.length) throw new Error(`template "${template}" needs ${pieces.length - 1} refs`);
      pieces.forEach((piece, k) => {
        text += piece;
        release += piece;
        if (k === refs.length) return;
        const ref = refs[k];
        if ('unknown' in ref) {
          const tag = `<id_${ref.unknown}>`;
          mentions.push({ item: null, rawId: ref.unknown, start: text.length, end: text.length + tag.length, isRecommendation: role === 'ASSISTANT', isFirst: false });
          text += tag;
          release += tag;
          return;
        }
        const item = this.catalogue[ref.item];
        const isFirst = !this.seen.has(ref.item);
        if (isFirst) {
          this.seen.add(ref.item);
          this.named.push(ref.item);
        }
        mentions.push({ item: ref.item, rawId: item.asin, start: text.length, end: text.length + item.cleaned.length, isRecommendation: role === 'ASSISTANT', isFirst });
        text += item.cleaned;
        release += role === 'ASSISTANT' ? `${MARKER} ${item.cleaned}` : item.cleaned;
      });
    });
    this.turns.push({ role, text, release, mentions });
  }
}

function chatString(turns: TurnDraft[]): string {
  let s = `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n${SYSTEM_MESSAGE}<|eot_id|>`;
  for (const t of turns) s += `<|start_header_id|>${t.role === 'USER' ? 'user' : 'assistant'}<|end_header_id|>\n\n${t.release}<|eot_id|>`;
  return s;
}

/** Popularity: a power law over a seeded permutation of the catalogue (a few items are everywhere). */
class Popularity {
  private readonly order: number[];
  constructor(rng: Rng, size: number) {
    this.order = rng.shuffle(Array.from({ length: size }, (_, i) => i));
  }
  draw(rng: Rng): number {
    return this.order[Math.floor(this.order.length * rng.next() ** 2.2)];
  }
  distinct(rng: Rng, count: number, exclude: Set<number>): number[] {
    const out: number[] = [];
    while (out.length < count) {
      const i = this.draw(rng);
      if (exclude.has(i)) continue;
      exclude.add(i);
      out.push(i);
    }
    return out;
  }
}

function unknownAsin(rng: Rng, known: Set<string>): string {
  for (;;) {
    let s = 'B0ZZ';
    while (s.length < 10) s += ALNUM[rng.int(ALNUM.length)];
    if (!known.has(s)) return s;
  }
}

interface DialogueDraft {
  stereotype: number;
  target: number;
  builder: DialogueBuilder;
  unknown: boolean;
  targetMentioned: boolean;
}

function buildDialogue(rng: Rng, catalogue: SynthItem[], popularity: Popularity, knownAsins: Set<string>): DialogueDraft {
  const b = new DialogueBuilder(rng, catalogue);
  const stereotype = rng.int(STEREOTYPE_KEYS.length);
  const nTurns = rng.range(8, 12);
  const target = popularity.draw(rng);
  const used = new Set<number>([target]);
  const withHistory = stereotype >= 2;
  const liked = withHistory ? popularity.distinct(rng, rng.range(1, 2), used) : [];
  const targetMentioned = !rng.chance(0.03);
  const unknown = rng.chance(0.04);
  const assistantTurns = Array.from({ length: nTurns }, (_, k) => k).filter((k) => k % 2 === 1);
  // The target is recommended in the last assistant turn before the user's closing turn.
  const targetTurn = nTurns % 2 === 1 ? assistantTurns[assistantTurns.length - 1] : assistantTurns[assistantTurns.length - 2];
  const unknownTurn = unknown ? rng.range(0, targetTurn) : -1;
  let lastRecommended: number | null = null;

  for (let k = 0; k < nTurns; k++) {
    const sentences: Array<[string, Ref[]?]> = [];
    if (k % 2 === 0) {
      // Seeker
      if (k === 0) {
        sentences.push([rng.pick(V.USER_OPENINGS)]);
        liked.forEach((i) => sentences.push([rng.pick(V.USER_HISTORY), [{ item: i }]]));
      } else if (k > targetTurn) {
        sentences.push(targetMentioned && rng.chance(0.3) ? ['Great, {item} it is! Thanks a lot.', [{ item: target }]] : [rng.pick(V.USER_CLOSINGS)]);
      } else if (lastRecommended !== null && rng.chance(0.25)) {
        sentences.push([rng.pick(V.USER_ITEM_REACTIONS), [{ item: lastRecommended }]]);
      } else {
        sentences.push(...rng.sample(V.USER_FOLLOWUPS, rng.chance(0.35) ? 2 : 1).map((t): [string] => [t]));
      }
      if (k === unknownTurn) sentences.push(['I also liked {item} a lot.', [{ unknown: unknownAsin(rng, knownAsins) }]]);
    } else {
      // Recommender
      if (k === 1) {
        sentences.push([rng.pick(V.ASSISTANT_QUESTIONS)]);
      } else if (k === targetTurn) {
        const pick = targetMentioned ? target : popularity.distinct(rng, 1, used)[0];
        sentences.push([rng.pick(V.ASSISTANT_RECOMMENDATIONS), [{ item: pick }]]);
        sentences.push([rng.pick(V.ASSISTANT_DETAILS)]);
      } else if (k > targetTurn) {
        sentences.push(targetMentioned && rng.chance(0.2) ? ['Enjoy {item}! Let me know how you liked it.', [{ item: target }]] : [rng.pick(V.ASSISTANT_CLOSINGS)]);
      } else {
        if (rng.chance(0.75)) {
          lastRecommended = popularity.distinct(rng, 1, used)[0];
          sentences.push([rng.pick(V.ASSISTANT_RECOMMENDATIONS), [{ item: lastRecommended }]]);
          if (rng.chance(0.25)) sentences.push([rng.pick(V.ASSISTANT_EXTRAS), [{ item: popularity.distinct(rng, 1, used)[0] }]]);
        } else {
          sentences.push([rng.pick(V.ASSISTANT_QUESTIONS)]);
        }
        sentences.push([rng.pick(V.ASSISTANT_DETAILS)]);
        if (rng.chance(0.4)) sentences.push([rng.pick(V.ASSISTANT_DETAILS)]);
      }
      if (k === unknownTurn) sentences.push(['Or try the older {item}.', [{ unknown: unknownAsin(rng, knownAsins) }]]);
    }
    b.turn(k % 2 === 0 ? 'USER' : 'ASSISTANT', sentences);
  }
  return { stereotype, target, builder: b, unknown, targetMentioned };
}

// ---------------------------------------------------------------------------------------------

function checkVocabulary(): void {
  const adjectives = new Set(V.TITLE_ADJECTIVES.map((a) => a.toLowerCase()));
  const templates = [
    ...V.USER_OPENINGS, ...V.USER_HISTORY, ...V.USER_FOLLOWUPS, ...V.USER_ITEM_REACTIONS, ...V.USER_CLOSINGS,
    ...V.ASSISTANT_QUESTIONS, ...V.ASSISTANT_RECOMMENDATIONS, ...V.ASSISTANT_EXTRAS, ...V.ASSISTANT_DETAILS,
    ...V.ASSISTANT_CLOSINGS, ...V.MOODS, ...V.FEATURES, ...V.GENRE_WORDS,
  ];
  for (const t of templates) {
    for (const word of t.toLowerCase().split(/[^\p{L}]+/u)) {
      if (adjectives.has(word)) throw new Error(`template word "${word}" is a title adjective: "${t}"`);
    }
  }
}

function readManifest(dir: string): SynthManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SynthManifest;
  } catch {
    return null;
  }
}

function sameParams(a: SynthParams, b: SynthParams): boolean {
  return a.seed === b.seed && a.dialogues === b.dialogues && a.items === b.items && a.users === b.users;
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface SynthOptions {
  outRoot?: string;
  force?: boolean;
  log?: (line: string) => void;
}

/** Writes the dataset (or reuses a complete one for the same parameters) and returns its manifest. */
export async function synthesize(params: SynthParams, options: SynthOptions = {}): Promise<SynthDataset> {
  const log = options.log ?? (() => undefined);
  const dir = datasetDir(options.outRoot ?? DEFAULT_OUT, params);
  const existing = readManifest(dir);
  if (
    !options.force &&
    existing &&
    existing.version === SYNTH_VERSION &&
    sameParams(existing.params, params) &&
    Object.entries(existing.bytes).every(([f, size]) => fs.existsSync(path.join(dir, f)) && fs.statSync(path.join(dir, f)).size === size)
  ) {
    log(`synthesize: reusing ${dir}`);
    return dataset(dir, existing, true);
  }
  checkVocabulary();
  const started = process.hrtime.bigint();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'distillrecdial'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'floor'), { recursive: true });
  log(`synthesize: writing ${params.items} items and ${params.dialogues} dialogues to ${dir}`);

  const files: SynthManifest['files'] = {
    tmdb: 'tmdb_movies.json',
    releaseDir: 'distillrecdial',
    release: { train: `distillrecdial/${RELEASE_FILE('train')}`, valid: `distillrecdial/${RELEASE_FILE('valid')}`, test: `distillrecdial/${RELEASE_FILE('test')}` },
    floor: { items: 'floor/items.tsv', dialogues: 'floor/dialogues.tsv', turns: 'floor/turns.tsv', mentions: 'floor/mentions.tsv' },
  };
  const at = (f: string) => path.join(dir, f);

  // Catalogue: held in memory (titles are needed to write the dialogues); records are streamed.
  const catalogue = buildCatalogue(new Rng(params.seed, 'catalogue'), params.items);
  const knownAsins = new Set(catalogue.map((i) => i.asin));
  const itemRng = new Rng(params.seed, 'items');
  const tmdb = new TextWriter(at(files.tmdb));
  const itemsTsv = new TextWriter(at(files.floor.items));
  await tmdb.write('[\n');
  for (let i = 0; i < catalogue.length; i++) {
    const { record, row } = buildItem(itemRng, i, catalogue[i]);
    await tmdb.write(`${i ? ',\n' : ''}${pyJsonDumps(record, false)}`);
    await itemsTsv.write(tsvRow(row));
  }
  await tmdb.write('\n]\n');

  // Dialogues: generated and written one at a time.
  const counts: SynthCounts = {
    items: catalogue.length,
    dialogues: 0,
    turns: 0,
    mentions: 0,
    recommendationMentions: 0,
    unknownMentions: 0,
    dialoguesWithUnknownIds: 0,
    dialoguesWithoutTargetMention: 0,
    bySplit: { train: 0, valid: 0, test: 0 },
    byStereotype: Object.fromEntries(STEREOTYPE_KEYS.map((k) => [k, 0])),
  };
  const rng = new Rng(params.seed, 'dialogues');
  const popularity = new Popularity(new Rng(params.seed, 'popularity'), catalogue.length);
  const release = Object.fromEntries(SPLITS.map((s) => [s, new TextWriter(at(files.release[s]))])) as Record<Split, TextWriter>;
  const dialoguesTsv = new TextWriter(at(files.floor.dialogues));
  const turnsTsv = new TextWriter(at(files.floor.turns));
  const mentionsTsv = new TextWriter(at(files.floor.mentions));
  let turnId = 0;
  let mentionId = 0;
  for (let d = 0; d < params.dialogues; d++) {
    const split: Split = d % 10 < 8 ? 'train' : d % 10 === 8 ? 'valid' : 'test';
    const line = ++counts.bySplit[split];
    const draft = buildDialogue(rng, catalogue, popularity, knownAsins);
    const { builder } = draft;
    const key = STEREOTYPE_KEYS[draft.stereotype];
    counts.byStereotype[key]++;
    counts.dialogues++;
    const targetItem = catalogue[draft.target];
    await release[split].write(
      `${pyJsonDumps(
        {
          text: chatString(builder.turns),
          target: [`<id_${targetItem.asin}>`],
          named_items: builder.named.map((i) => `<id_${catalogue[i].asin}>`),
          scenario: key,
        },
        true,
      )}\n`,
    );
    const dialogueId = d + 1;
    const unknownIds = builder.turns.flatMap((t) => t.mentions.filter((m) => m.item === null).map((m) => m.rawId));
    if (unknownIds.length) counts.dialoguesWithUnknownIds++;
    if (!draft.targetMentioned) counts.dialoguesWithoutTargetMention++;
    await dialoguesTsv.write(
      tsvRow([
        dialogueId,
        'distillrecdial',
        DOMAIN,
        draft.stereotype + 1,
        draft.target + 1,
        targetItem.asin,
        split,
        'IMPORTED',
        'ACCEPTED',
        pgTextArray(builder.named.map((i) => catalogue[i].asin)),
        JSON.stringify(unknownIds.length ? [{ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: unknownIds.join(', ') }] : []),
        JSON.stringify({ file: RELEASE_FILE(split), line }),
        `distillrecdial:${split}:${line}`,
      ]),
    );
    for (let k = 0; k < builder.turns.length; k++) {
      const t = builder.turns[k];
      turnId++;
      counts.turns++;
      await turnsTsv.write(tsvRow([turnId, dialogueId, k, t.role, t.text, t.release === t.text ? null : t.release]));
      for (const m of t.mentions) {
        mentionId++;
        counts.mentions++;
        if (m.isRecommendation) counts.recommendationMentions++;
        if (m.item === null) counts.unknownMentions++;
        await mentionsTsv.write(tsvRow([mentionId, turnId, dialogueId, m.item === null ? null : m.item + 1, m.rawId, m.start, m.end, m.isRecommendation, m.isFirst]));
      }
    }
  }
  const writers = [tmdb, itemsTsv, ...Object.values(release), dialoguesTsv, turnsTsv, mentionsTsv];
  await Promise.all(writers.map((w) => w.close()));

  const all = [files.tmdb, ...Object.values(files.release), ...Object.values(files.floor)];
  const bytes: Record<string, number> = {};
  const digests: Record<string, string> = {};
  for (const f of all) {
    bytes[f] = fs.statSync(at(f)).size;
    digests[f] = await sha256(at(f));
  }
  const manifest: SynthManifest = {
    version: SYNTH_VERSION,
    params,
    files,
    bytes,
    sha256: digests,
    counts,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    note: 'The release format has no user ids: params.users is not represented in the files.',
  };
  fs.writeFileSync(at('manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`synthesize: done in ${manifest.seconds.toFixed(1)} s (${counts.turns} turns, ${counts.mentions} mentions)`);
  return dataset(dir, manifest, false);
}

// ---------------------------------------------------------------------------------------------
// Command-line options shared by the benchmarks

export const SYNTH_ARG_OPTIONS = {
  scale: { type: 'string' },
  dialogues: { type: 'string' },
  items: { type: 'string' },
  users: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

function positive(name: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  return n;
}

export function synthParamsFrom(values: { scale?: string; dialogues?: string; items?: string; users?: string; seed?: string }): SynthParams {
  const scale = positive('scale', values.scale, 1, false);
  return {
    seed: values.seed === undefined ? DEFAULT_PARAMS.seed : Math.trunc(Number(values.seed)),
    dialogues: positive('dialogues', values.dialogues, Math.round(DEFAULT_PARAMS.dialogues * scale)),
    items: positive('items', values.items, Math.round(DEFAULT_PARAMS.items * scale)),
    users: positive('users', values.users, Math.round(DEFAULT_PARAMS.users * scale)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: SYNTH_ARG_OPTIONS, strict: true });
  const params = synthParamsFrom(values);
  const ds = await synthesize(params, { outRoot: values.out ? path.resolve(values.out) : DEFAULT_OUT, force: values.force, log: (l) => console.log(l) });
  console.log(JSON.stringify({ dir: ds.dir, cached: ds.cached, counts: ds.manifest.counts, bytes: ds.manifest.bytes }, null, 2));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
