import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  crslabDialogueBatches, CrslabOptionsInput, CrslabSelfCheckError, parseCrslabOptions, writeCrslabExport,
} from '../../../../../src/export/crslab';
import type { ExportReport } from '../../../../../src/export/types';
import { registerCrslabExportCommand } from '../../../../../src/cli/export-crslab';
import { getTokenizer } from '../../../../../src/text/tokenizers';
import { loadCrslabDataset, orderedEntries, recommendationSamples } from '../../../../support/crslab-loader';
import { createTestDatabase, TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';
import { runCli } from '../../../../support/cli';

let db: TestDatabase;
const dirs: string[] = [];
/** The films of src/sample/tmdb_movies.json: the catalogue item universe. */
const SAMPLE_FILMS = 126;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
});
afterAll(async () => {
  await db.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function exportTo(input: CrslabOptionsInput): Promise<{ out: string; report: ExportReport; dir: string }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-crslab-'));
  dirs.push(out);
  const report = await writeCrslabExport({ dataSource: db.dataSource, outDir: out }, parseCrslabOptions(input));
  return { out, report, dir: path.join(out, String(report.details!.folder)) };
}

const readJson = (dir: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

/**
 * Gold items computed straight from the database by the rule of docs/formats.md §8.7: the items each
 * turn mentions, once per turn, minus (for the assistant) items named earlier in the dialogue.
 */
async function expectedGold(): Promise<{ total: number; byDialogue: Map<number, Array<{ role: string; asins: string[] }>> }> {
  const rows: Array<{ dialogue_id: number; idx: number; role: string; asins: string[] | null }> = await db.dataSource.query(`
    SELECT t.dialogue_id, t.idx, t.role,
           (SELECT array_agg(i.asin ORDER BY m.start_offset) FROM turn_mentions m JOIN items i ON i.id = m.item_id WHERE m.turn_id = t.id) AS asins
      FROM turns t JOIN dialogues d ON d.id = t.dialogue_id
     WHERE d.split IS NOT NULL AND d.status = 'ACCEPTED' ORDER BY t.dialogue_id, t.idx`);
  const byDialogue = new Map<number, Array<{ role: string; asins: string[] }>>();
  let total = 0;
  let seen = new Set<string>();
  let current = -1;
  for (const r of rows) {
    if (r.dialogue_id !== current) {
      current = r.dialogue_id;
      seen = new Set();
      byDialogue.set(current, []);
    }
    const mentioned = [...new Set(r.asins ?? [])];
    const gold = r.role === 'ASSISTANT' ? mentioned.filter((a) => !seen.has(a)) : mentioned;
    mentioned.forEach((a) => seen.add(a));
    total += gold.length;
    byDialogue.get(current)!.push({ role: r.role, asins: gold });
  }
  return { total, byDialogue };
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Entry names of a zip, from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = buf.readUInt16LE(at + 28);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return names;
}

describe('distillrecdial + gpt2 on the sample', () => {
  let first: Awaited<ReturnType<typeof exportTo>>;
  beforeAll(async () => {
    first = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2', archive: true });
  });

  it('writes the fork folder with .built version 0.1 in Python datetime format', () => {
    expect(first.report.details!.folder).toBe('data/dataset/llmsindataset/gpt2');
    const built = fs.readFileSync(path.join(first.dir, '.built'), 'utf8');
    expect(built).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\n0\.1$/);
    expect(fs.readdirSync(first.dir).sort()).toEqual(
      ['.built', 'concept2id.json', 'dbpedia_subkg.json', 'entity2id.json', 'movie_ids.json', 'test_data.json', 'token2id.json', 'train_data.json', 'valid_data.json'],
    );
  });

  it('gives a loader every gold item: as many after the name lookups as the database has', async () => {
    const expected = await expectedGold();
    const loaded = loadCrslabDataset(first.dir, 'distillrecdial');
    let before = 0;
    let after = 0;
    for (const split of ['train', 'valid', 'test'] as const) {
      const s = loaded.splits[split];
      expect(s.droppedMovieNames).toEqual([]);
      expect(s.droppedEntityNames).toEqual([]);
      before += s.rawGoldNames;
      after += s.merged.flat().reduce((n, t) => n + t.movie.length, 0);
      // Every gold item is a candidate: building the samples does not fail.
      expect(() => recommendationSamples(loaded, split, 'all-turns')).not.toThrow();
    }
    expect(expected.total).toBeGreaterThan(100);
    expect(before).toBe(expected.total);
    expect(after).toBe(expected.total);
    expect(first.report.counts.goldItems).toBe(expected.total);
    expect(loaded.splits.train.conversations + loaded.splits.valid.conversations + loaded.splits.test.conversations).toBe(65);
  });

  it('writes the gold items of a hand-checked dialogue, repeated recommendations removed', async () => {
    // The sample's first dialogue: turn 5 recommends The Matrix, and names The Matrix Reloaded
    // and Inception again (both mentioned by the seeker in turn 2): only The Matrix is gold.
    const [d] = await db.dataSource.query(`SELECT id, split, (SELECT count(*)::int FROM dialogues x WHERE x.split = d.split AND x.id < d.id AND x.status = 'ACCEPTED') AS position
      FROM dialogues d ORDER BY id LIMIT 1`);
    const conv = readJson(first.dir, `${d.split}_data.json`)[d.position];
    expect(conv.conv_id).toBe(String(d.position));
    expect(conv.conv.map((u: any) => u.movies)).toEqual([
      [], ['Paddington', 'Cinema Paradiso', 'Shaun of the Dead'], ['Inception', 'Interstellar', 'The Matrix Reloaded'], [], [], ['The Matrix'],
    ]);
    expect(conv.conv.map((u: any) => u.role)).toEqual(['Seeker', 'Recommender', 'Seeker', 'Recommender', 'Seeker', 'Recommender']);
    const turn1 = 'Great! A few popular picks to start: Paddington, Cinema Paradiso, or Shaun of the Dead. Any of these?';
    expect(conv.conv[1].text).toEqual(getTokenizer('gpt2').tokenize(turn1));
    expect(conv.conv[1].text.slice(0, 3)).toEqual(['Great', '!', 'ĠA']);
    expect(conv.conv[1].word).toEqual(turn1.split(' '));
    // The fork's field order.
    expect(Object.keys(conv.conv[1])).toEqual(['utt_id', 'role', 'movies', 'entity', 'word', 'text']);
  });

  it('uses the same names on both sides, dense ids in file order, pad first, items in movie_ids', () => {
    const entries = orderedEntries(fs.readFileSync(path.join(first.dir, 'entity2id.json'), 'utf8'));
    expect(entries[0]).toEqual(['pad:0', '<pad>']);
    const names = entries.map(([, n]) => n as string);
    expect(new Set(names).size).toBe(names.length);
    const movieIds: Record<string, number> = readJson(first.dir, 'movie_ids.json');
    const rawIds = entries.map(([k]) => k);
    for (const [raw, id] of Object.entries(movieIds)) {
      expect(raw).toMatch(/^item:/);
      expect(rawIds[id]).toBe(raw);
    }
    // Items come right after pad, sorted by ASIN, then people, genres, keywords.
    const types = rawIds.map((k) => k.split(':')[0]);
    const order = ['pad', 'item', 'person', 'genre', 'keyword'];
    expect(types.map((t) => order.indexOf(t))).toEqual([...types.map((t) => order.indexOf(t))].sort((a, b) => a - b));
    const items = rawIds.filter((k) => k.startsWith('item:'));
    expect(items).toEqual([...items].sort());
    expect(Object.keys(movieIds)).toEqual(items);
    expect(items).toHaveLength(SAMPLE_FILMS);

    const loaded = loadCrslabDataset(first.dir, 'distillrecdial');
    expect(loaded.nEntity).toBe(entries.length);
    expect(loaded.entity2id.size).toBe(entries.length);
    const itemNames = new Set(loaded.itemEntityIds.map((id) => loaded.id2entity.get(id)));
    for (const split of ['train', 'valid', 'test'] as const) {
      for (const conv of readJson(first.dir, `${split}_data.json`)) {
        for (const u of conv.conv) for (const m of u.movies) expect(itemNames.has(m)).toBe(true);
      }
    }
  });

  it('writes the GPT-2 vocabulary as token2id and reports the special-token collision', () => {
    const tokens = readJson(first.dir, 'token2id.json');
    expect(Object.keys(tokens)).toHaveLength(50257);
    expect([tokens['!'], tokens['Ġthe'], tokens['<|endoftext|>']]).toEqual([0, 262, 50256]);
    expect(first.report.warnings.some((w) => w.includes('ids 0-5 of the GPT-2 vocabulary'))).toBe(true);
  });

  it('writes the typed KG with the relation ids of §8.7 and warns that the loader would drop the small relations', () => {
    const kg: Record<string, Array<[number, string]>> = readJson(first.dir, 'dbpedia_subkg.json');
    const relationOfPrefix: Record<string, number[]> = { genre: [1], keyword: [2], person: [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] };
    let triples = 0;
    for (const [head, tails] of Object.entries(kg)) {
      expect(head).toMatch(/^item:/);
      for (const [relation, tail] of tails) {
        triples++;
        expect(relationOfPrefix[tail.split(':')[0]]).toContain(relation);
      }
    }
    expect(triples).toBe(first.report.counts.kgTriples);
    // The loader keeps a relation only with more than 1,000 edges after doubling (> 500 triples):
    // on the sample the big ones (e.g. actors, keywords) stay and the small ones go, with a warning naming them.
    const perRelation = new Map<number, number>();
    for (const tails of Object.values(kg)) for (const [relation] of tails) perRelation.set(relation, (perRelation.get(relation) ?? 0) + 1);
    const kept = [...perRelation.values()].filter((n) => n > 500).length;
    const loaded = loadCrslabDataset(first.dir, 'distillrecdial');
    expect(loaded.entityKg.nRelation).toBe(kept);
    expect(kept).toBeLessThan(perRelation.size);
    const warning = first.report.warnings.find((w) => w.startsWith('CRSLab drops KG relations'));
    expect(warning).toContain(`${perRelation.size - kept} of ${perRelation.size} relations`);
  });

  it('writes a zip of the data files at its root, with the SHA-256 in the report', () => {
    const zip = path.join(first.out, 'distillrecdial_gpt2.zip');
    const archive = first.report.details!.archive as { name: string; sha256: string };
    expect(archive.name).toBe('distillrecdial_gpt2.zip');
    expect(archive.sha256).toBe(sha256(zip));
    expect(zipEntries(zip).sort()).toEqual(
      ['concept2id.json', 'dbpedia_subkg.json', 'entity2id.json', 'movie_ids.json', 'test_data.json', 'token2id.json', 'train_data.json', 'valid_data.json'],
    );
  });

  it('gives byte-identical files, zip included, on a second run (R7)', async () => {
    const second = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2', archive: true });
    expect(second.report.files.map((f) => [f.name, f.sha256])).toEqual(first.report.files.map((f) => [f.name, f.sha256]));
  });

  it('streams the same records in the same order as the files (crslabDialogueBatches)', async () => {
    const streamed: Record<string, unknown[]> = { train: [], valid: [], test: [] };
    const options = parseCrslabOptions({ flavor: 'distillrecdial', tokenize: 'gpt2' });
    for await (const batch of crslabDialogueBatches(db.dataSource.manager, options, 7)) {
      expect(batch.records.length).toBeLessThanOrEqual(7);
      expect(batch.index).toBe(streamed[batch.split].length);
      streamed[batch.split].push(...batch.records);
    }
    for (const split of ['train', 'valid', 'test']) expect(streamed[split]).toEqual(readJson(first.dir, `${split}_data.json`));
  });
});

describe('upstream flavour', () => {
  it('word tokenization: nltk folder, vocabulary by train frequency, dense entity ids, everything resolves', async () => {
    const { dir, report } = await exportTo({ flavor: 'upstream', tokenize: 'word' });
    expect(dir.endsWith(path.join('data', 'dataset', 'redial', 'nltk'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, '.built'), 'utf8').split('\n')[1]).toBe('0.31');
    const loaded = loadCrslabDataset(dir, 'upstream');

    // entity2id: name → id, exactly 0..N-1; movie_ids a list of item entity ids.
    const ids = [...loaded.entity2id.values()].sort((a, b) => a - b);
    expect(ids).toEqual(ids.map((_, i) => i));
    expect(loaded.entity2id.get('<pad>')).toBe(0);
    expect(loaded.itemEntityIds).toEqual([...Array(SAMPLE_FILMS)].map((_, i) => i + 1));

    const tokens = readJson(dir, 'token2id.json');
    // In file order (JSON.parse would move integer-like tokens such as "2" to the front).
    const tokenEntries = orderedEntries(fs.readFileSync(path.join(dir, 'token2id.json'), 'utf8'));
    expect(tokenEntries.slice(0, 4)).toEqual([['__pad__', 0], ['__start__', 1], ['__end__', 2], ['__unk__', 3]]);
    expect(tokenEntries.map(([, id]) => id)).toEqual(tokenEntries.map((_, i) => i));
    // After the specials, train tokens by descending frequency (counted from the train file itself).
    const counts = new Map<string, number>();
    const train = readJson(dir, 'train_data.json');
    for (const conv of train) for (const u of conv.dialog) for (const t of u.text) counts.set(t, (counts.get(t) ?? 0) + 1);
    const ranked = tokenEntries.slice(4).map(([t]) => t);
    expect(ranked.length).toBe(counts.size);
    for (let i = 1; i < ranked.length; i++) expect(counts.get(ranked[i - 1])!).toBeGreaterThanOrEqual(counts.get(ranked[i])!);
    // R5: every token of every split is a key (valid/test words outside train are __unk__).
    for (const split of ['train', 'valid', 'test'] as const) {
      for (const conv of readJson(dir, `${split}_data.json`)) for (const u of conv.dialog) for (const t of u.text) expect(t in tokens).toBe(true);
      expect(loaded.splits[split].droppedMovieNames).toEqual([]);
      expect(loaded.splits[split].droppedEntityNames).toEqual([]);
      expect(() => recommendationSamples(loaded, split, 'recommender-turns')).not.toThrow();
    }
    expect(report.counts.unknownTokensReplaced).toBeGreaterThan(0);

    const first = train[0].dialog[0];
    expect(Object.keys(first)).toEqual(['utt_id', 'role', 'text', 'movies', 'entity', 'word']);
    expect(typeof train[0].conv_id).toBe('number');
    const concepts = readJson(dir, 'concept2id.json');
    expect(concepts.__pad__).toBe(0);
    expect(Object.keys(concepts).length).toBeGreaterThan(1);
    for (const conv of train) for (const u of conv.dialog) for (const w of u.word) expect(w in concepts && w === w.toLowerCase()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'conceptnet_subkg.txt'), 'utf8')).toBe('');
    // dbpedia_subkg: numeric heads and tails that are all entity ids (the loader would fail otherwise).
    const kg: Record<string, Array<[number, number]>> = readJson(dir, 'dbpedia_subkg.json');
    for (const [head, tails] of Object.entries(kg)) {
      expect(loaded.id2entity.has(Number(head))).toBe(true);
      for (const [, tail] of tails) expect(loaded.id2entity.has(tail)).toBe(true);
    }
  });

  it('word tokens with --item-text at-index: items become @1xxxxx placeholders of their entity id', async () => {
    const { dir } = await exportTo({ flavor: 'upstream', tokenize: 'word', itemText: 'at-index', vocabFrom: 'all' });
    const entity2id = readJson(dir, 'entity2id.json');
    const train = readJson(dir, 'train_data.json');
    const placeholders = train.flatMap((c: any) => c.dialog.flatMap((u: any) => u.text.filter((t: string) => t.startsWith('@'))));
    expect(placeholders.length).toBeGreaterThan(0);
    for (const p of placeholders) {
      expect(p).toMatch(/^@\d{6}$/);
      expect(Number(p.slice(1)) - 100000).toBeGreaterThanOrEqual(1);
      expect(Number(p.slice(1)) - 100000).toBeLessThanOrEqual(SAMPLE_FILMS);
    }
    // The first utterance naming an item shows its placeholder where the title was.
    const u = train.flatMap((c: any) => c.dialog).find((x: any) => x.movies.length);
    expect(u.text).toContain(`@${100000 + entity2id[u.movies[0]]}`);
  });

  it('bert tokenization: bert folder, bert-base-uncased pieces and vocabulary', async () => {
    const { dir } = await exportTo({ flavor: 'upstream', tokenize: 'bert' });
    expect(dir.endsWith(path.join('data', 'dataset', 'redial', 'bert'))).toBe(true);
    const tokens = readJson(dir, 'token2id.json');
    expect(Object.keys(tokens)).toHaveLength(30522);
    expect([tokens['[PAD]'], tokens['[UNK]'], tokens['[CLS]'], tokens.the]).toEqual([0, 100, 101, 1996]);
    const loaded = loadCrslabDataset(dir, 'upstream');
    expect(loaded.unkTokenIdx).toBe(100);
    const [d] = await db.dataSource.query(`SELECT id, split, (SELECT count(*)::int FROM dialogues x WHERE x.split = d.split AND x.id < d.id) AS position FROM dialogues d ORDER BY id LIMIT 1`);
    const conv = readJson(dir, `${d.split}_data.json`)[d.position];
    expect(conv.dialog[0].text).toEqual(['hi', 'there', ',', 'i', "'", 'm', 'looking', 'for', 'a', 'movie', 'to', 'watch', '.']);
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(loaded.splits[split].droppedMovieNames).toEqual([]);
      for (const conv of readJson(dir, `${split}_data.json`)) for (const u of conv.dialog) for (const t of u.text) expect(t in tokens).toBe(true);
    }
  });
});

describe('names', () => {
  it('keeps case: entities whose names differ only in case stay distinct and both resolve', async () => {
    const rows: Array<{ key: string; name: string }> = await db.dataSource.query(
      `SELECT key, name FROM kg_entities WHERE lower(name) = 'family' ORDER BY key`,
    );
    expect(rows.map((r) => r.name).sort()).toEqual(['Family', 'family']);
    const { dir } = await exportTo({ flavor: 'upstream', tokenize: 'word' });
    const entity2id = readJson(dir, 'entity2id.json');
    expect(entity2id.Family).toBeDefined();
    expect(entity2id.family).toBeDefined();
    expect(entity2id.Family).not.toBe(entity2id.family);
    // The genre sorts before the keyword, and neither needed a suffix.
    expect(entity2id.Family).toBeLessThan(entity2id.family);
  });

  describe('two items with the same cleaned title', () => {
    let asins: string[];
    beforeAll(async () => {
      // Cinema Paradiso is renamed "Paddington (1999)": its cleaned title collides with Paddington's.
      const rows = await db.dataSource.query(`SELECT asin FROM items WHERE cleaned_title IN ('Paddington', 'Cinema Paradiso') ORDER BY asin`);
      asins = rows.map((r: any) => r.asin);
      await db.dataSource.query(`UPDATE items SET title = 'Paddington (1999)', cleaned_title = 'Paddington' WHERE cleaned_title = 'Cinema Paradiso'`);
    });
    afterAll(async () => {
      await db.dataSource.query(`UPDATE items SET title = 'Cinema Paradiso', cleaned_title = 'Cinema Paradiso' WHERE title = 'Paddington (1999)'`);
    });

    it('suffixes all but the lowest-sorted with the raw id, and movies use the same names', async () => {
      expect(asins).toHaveLength(2);
      const { dir, report } = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2' });
      const entity2id: Record<string, string> = readJson(dir, 'entity2id.json');
      // The lower ASIN keeps the plain name.
      expect(entity2id[`item:${asins[0]}`]).toBe('Paddington');
      expect(entity2id[`item:${asins[1]}`]).toBe(`Paddington [item:${asins[1]}]`);
      expect(report.warnings.some((w) => w.includes('carry their raw id as a suffix'))).toBe(true);
      const loaded = loadCrslabDataset(dir, 'distillrecdial');
      const [d] = await db.dataSource.query(`SELECT id, split, (SELECT count(*)::int FROM dialogues x WHERE x.split = d.split AND x.id < d.id) AS position FROM dialogues d ORDER BY id LIMIT 1`);
      const conv = readJson(dir, `${d.split}_data.json`)[d.position];
      const names = conv.conv[1].movies as string[];
      expect(names).toHaveLength(3);
      expect(names.filter((n) => n.startsWith('Paddington')).sort()).toEqual(['Paddington', `Paddington [item:${asins[1]}]`].sort());
      const ids = names.map((n) => loaded.entity2id.get(n));
      expect(new Set(ids).size).toBe(3);
      for (const split of ['train', 'valid', 'test'] as const) expect(loaded.splits[split].droppedMovieNames).toEqual([]);
    });
  });
});

describe('self-check', () => {
  it('refuses an export where a gold item is not a candidate (R1), leaving the folder empty', async () => {
    // A mentioned, non-target item moved to another domain leaves the catalogue of Movies_and_TV.
    const [item] = await db.dataSource.query(`
      SELECT i.id, i.asin FROM items i WHERE EXISTS (SELECT 1 FROM turn_mentions m WHERE m.item_id = i.id)
         AND NOT EXISTS (SELECT 1 FROM dialogues d WHERE d.target_item_id = i.id) ORDER BY i.asin LIMIT 1`);
    await db.dataSource.query(`UPDATE items SET domain = 'Books' WHERE id = $1`, [item.id]);
    try {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-crslab-'));
      dirs.push(out);
      const error = await writeCrslabExport({ dataSource: db.dataSource, outDir: out }, parseCrslabOptions({ flavor: 'distillrecdial', tokenize: 'gpt2' })).then(
        () => null,
        (e) => e,
      );
      expect(error).toBeInstanceOf(CrslabSelfCheckError);
      const report = (error as CrslabSelfCheckError).report;
      expect(report.passed).toBe(false);
      expect(report.checks.R1.passed).toBe(false);
      expect(report.checks.R2.passed).toBe(true);
      expect(report.offenders.length).toBeGreaterThan(0);
      expect(report.offenders.every((o) => o.check === 'R1' && o.problem.includes(item.asin))).toBe(true);
      expect(fs.readdirSync(out)).toEqual([]);

      // The stream refuses before its first batch.
      const stream = crslabDialogueBatches(db.dataSource.manager, parseCrslabOptions({}), 10);
      await expect(stream.next()).rejects.toBeInstanceOf(CrslabSelfCheckError);

      // The mentioned universe takes the item in again.
      const ok = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2', itemUniverse: 'mentioned' });
      expect(Object.keys(readJson(ok.dir, 'movie_ids.json'))).toContain(`item:${item.asin}`);
    } finally {
      await db.dataSource.query(`UPDATE items SET domain = 'Movies_and_TV' WHERE id = $1`, [item.id]);
    }
  });
});

describe('ranking depth', () => {
  it('warns when the item list is shorter than the loader ranks (upstream 50, the fork 100), and not otherwise', async () => {
    const shortWarning = (r: ExportReport) => r.warnings.filter((w) => w.includes('selected index k out of range'));
    const catalogue = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2' });
    expect(catalogue.report.counts.items).toBeGreaterThanOrEqual(100);
    expect(shortWarning(catalogue.report)).toEqual([]);
    // The release sample mentions fewer than 50 distinct films.
    const mentioned = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2', itemUniverse: 'mentioned' });
    const n = mentioned.report.counts.items;
    expect(n).toBeLessThan(50);
    expect(shortWarning(mentioned.report)).toEqual([
      `only ${n} items in movie_ids.json, fewer than the 100 the distillrecdial loader ranks (the DistillRecDial fork's 100 entities): ` +
        'training stops with "selected index k out of range"; import more items or use --item-universe catalog',
    ]);
    const upstream = await exportTo({ flavor: 'upstream', tokenize: 'bert', itemUniverse: 'mentioned' });
    expect(shortWarning(upstream.report)[0]).toMatch(/^only \d+ items in movie_ids\.json, fewer than the 50 the upstream loader ranks \(upstream CRSLab's topk\(…, 50\)\)/);
  });
});

describe('options', () => {
  it('names the bad argument', () => {
    expect(() => parseCrslabOptions({ tokenize: 'nltk' }, 'input')).toThrow('input.tokenize: expected one of gpt2, bert, word, got "nltk"');
    expect(() => parseCrslabOptions({ flavor: 'distillrecdial', tokenize: 'word' }, 'input')).toThrow(/^input\.tokenize: the distillrecdial fork/);
    expect(() => parseCrslabOptions({ flavor: 'upstream', name: '../x' }, 'input')).toThrow(/^input\.name: expected a folder name/);
    expect(() => parseCrslabOptions({ archive: 'yes' } as CrslabOptionsInput, 'input')).toThrow('input.archive: expected true or false, got "yes"');
    expect(parseCrslabOptions({ tokenize: 'GPT2', itemText: 'AT_INDEX', itemUniverse: 'MENTIONED_AND_HISTORY' })).toMatchObject({
      tokenize: 'gpt2', itemText: 'at-index', itemUniverse: 'mentioned+history', flavor: 'distillrecdial',
    });
  });
});

describe('--raw-ids compat', () => {
  it('writes bare ASINs and TMDB ids, keeps colliding ids typed, and still resolves everything', async () => {
    const { dir, report } = await exportTo({ flavor: 'distillrecdial', tokenize: 'gpt2', rawIds: 'compat' });
    const entries = orderedEntries(fs.readFileSync(path.join(dir, 'entity2id.json'), 'utf8'));
    const rawIds = entries.map(([k]) => k);
    expect(Object.keys(readJson(dir, 'movie_ids.json')).every((k) => /^[0-9A-Z]{10}$/.test(k))).toBe(true);
    // Bare TMDB numbers, except those that an earlier entity already took.
    const bare = rawIds.filter((k) => /^\d+$/.test(k));
    expect(bare.length).toBeGreaterThan(700);
    expect(new Set(rawIds).size).toBe(rawIds.length);
    const typed = rawIds.filter((k) => /^(person|genre|keyword):/.test(k));
    if (typed.length) expect(report.warnings.some((w) => w.startsWith('--raw-ids compat'))).toBe(true);
    const loaded = loadCrslabDataset(dir, 'distillrecdial');
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(loaded.splits[split].droppedMovieNames).toEqual([]);
      expect(loaded.splits[split].droppedEntityNames).toEqual([]);
      expect(() => recommendationSamples(loaded, split, 'all-turns')).not.toThrow();
    }
    expect(loaded.itemEntityIds).toHaveLength(SAMPLE_FILMS);
  });
});

describe('recdial export crslab', () => {
  const cli = (args: string[]) => runCli(db.url, (p) => registerCrslabExportCommand(p.command('export')), ['export', 'crslab', '--quiet', ...args]);

  it('writes the folder under --out and prints the summary', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-crslab-cli-'));
    dirs.push(parent);
    const out = path.join(parent, 'export');
    const { logs } = await cli(['--out', out, '--flavor', 'upstream', '--tokenize', 'word', '--split', 'test', '--archive']);
    const dir = path.join(out, 'data', 'dataset', 'redial', 'nltk');
    expect(readJson(dir, 'test_data.json')).toHaveLength(10);
    expect(readJson(dir, 'train_data.json')).toEqual([]);
    expect(fs.existsSync(path.join(out, 'redial_nltk.zip'))).toBe(true);
    // Only the export is left next to --out (the scratch folder was renamed).
    expect(fs.readdirSync(parent)).toEqual(['export']);
    expect(logs[0]).toContain('0 train, 0 valid, 10 test dialogues');
    expect(logs.some((l) => l.startsWith('warning: '))).toBe(true);
  });

  it('names the flag of a bad option and refuses a non-empty --out', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-crslab-cli-'));
    dirs.push(parent);
    await expect(cli(['--out', path.join(parent, 'x'), '--flavor', 'distillrecdial', '--tokenize', 'word'])).rejects.toThrow(
      /^--tokenize: the distillrecdial fork's loader knows only bert and gpt2/,
    );
    await expect(cli(['--out', path.join(parent, 'x'), '--tokenize', 'gpt2', '--lowercase'])).rejects.toThrow(/^--lowercase: applies only to tokenize word/);
    fs.writeFileSync(path.join(parent, 'file.txt'), 'x');
    await expect(cli(['--out', parent])).rejects.toThrow(/^--out: .* is not empty/);
    await expect(cli(['--out', path.join(parent, 'y'), '--stereotype', 'Nobody'])).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
  });
});
