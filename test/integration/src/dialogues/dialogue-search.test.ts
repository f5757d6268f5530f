import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../../../src/config/config';
import { countDialogues, streamDialogues } from '../../../../src/dialogues/stream';
import { planExport } from '../../../../src/export/formats';
import { renderChatTemplate } from '../../../../src/ingest/chat-template';
import { importDistillRecDial } from '../../../../src/ingest/distillrecdial.load';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { configureSearch } from '../../../../src/modules/dialogue/dialogue.search';
import { toGlobalId } from '../../../../src/pagination/global-id';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';

/** Sees every statement (and its parameters) the data source runs. */
/**
 * Every statement a `pg` client sends, with its parameters, whoever sends it: TypeORM, or the read
 * path's named prepared statements (src/db/read-query.ts), which TypeORM's logger never sees.
 */
class StatementLogger {
  statements: Array<{ sql: string; params: unknown[] }> = [];
  private readonly original = Client.prototype.query;
  install(): void {
    const statements = () => this.statements;
    const original = this.original;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [first, second] = args as [string | { text?: string; values?: unknown[] }, unknown];
      if (typeof first === 'string') statements().push({ sql: first, params: Array.isArray(second) ? second : [] });
      else if (first && typeof first.text === 'string') statements().push({ sql: first.text, params: first.values ?? (Array.isArray(second) ? second : []) });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  }
  uninstall(): void {
    Client.prototype.query = this.original;
  }
}

const M = '<|reserved_special_token_10|>';
const TMDB = path.join(__dirname, '..', '..', '..', 'fixtures', 'tiny', 'tmdb_movies.json');

function releaseLine(turns: string[], target = 'B00TINY001', named: string[] = [], scenario = 'History + Hint Seeker'): string {
  const messages = [
    { role: 'system' as const, content: 'You are a friendly movie recommender.' },
    ...turns.map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
  ];
  return JSON.stringify({ text: renderChatTemplate(messages), target: [`<id_${target}>`], named_items: named.map((a) => `<id_${a}>`), scenario });
}

// The first dialogues imported get ids 1.. in this order (one file, line order).
const DIALOGUES = {
  // "Sciamma" and "romance" only in different turns; "Céline" with its accent.
  portrait: ['I would love a slow romance tonight.', 'Then watch Portrait of a Lady on Fire.', 'Who directed it?', 'Céline Sciamma, a French director.', 'Thanks!'],
  tomboy: ['Any Sciamma films besides that one?', 'Try Tomboy or Girlhood.', 'Are they sad?', 'Not really, coming-of-age dramas.', 'OK'],
  vienna: ['I want a romance, a real romance.', 'Romance it is: Before Sunrise, a romance in Vienna.', 'Great', 'Enjoy the romance and the romantic walks.', 'Bye'],
  pastLives: ['Something by Celine Song?', 'Past Lives, her first film.', 'Is it sad?', 'Bittersweet, about two childhood friends.', 'Lovely'],
};
const ORDER = Object.keys(DIALOGUES) as Array<keyof typeof DIALOGUES>;

const logger = new StatementLogger();
let db: TestDatabase;
let api: TestApi;
let dir: string;
const ids: Record<string, string> = {};

function writeRelease(name: string, split: string, lines: string[]): string {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  const file = path.join(sub, `Movies_and_TV_llama3.1_reserved_special_token_10_${split}.jsonl`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-search-'));
  logger.install();
  db = await createTestDatabase();
  await importDistillRecDial(db.dataSource, [writeRelease('main', 'train', ORDER.map((k) => releaseLine(DIALOGUES[k])))], { quiet: true });
  api = await startTestApi(db.dataSource);
  const res = await api.query('{ dialogues(first: 100) { nodes { id turns { text } } } }');
  res.data.dialogues.nodes.forEach((n: any, i: number) => (ids[ORDER[i]] = n.id));
  expect(res.data.dialogues.nodes[0].turns[3].text).toBe('Céline Sciamma, a French director.');
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  logger.uninstall();
});

async function search(text: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const res = await api.query('query($f: DialogueFilter, $o: DialogueOrder) { dialogues(first: 100, filter: $f, orderBy: $o) { nodes { id } } }', {
    f: { search: text },
    ...extra,
  });
  expect(res.errors).toBeUndefined();
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return res.data.dialogues.nodes.map((n: any) => byId[n.id] ?? n.id);
}

describe('filter.search matches whole dialogues', () => {
  test('all terms anywhere in the dialogue, in different turns', async () => {
    expect(await search('Sciamma romance')).toEqual(['portrait']);
    expect(await search('Sciamma')).toEqual(['portrait', 'tomboy']);
  });

  test('accents and case are folded both ways; English stemming', async () => {
    expect(await search('Celine')).toEqual(['portrait', 'pastLives']);
    expect(await search('CÉLINE')).toEqual(['portrait', 'pastLives']);
    expect(await search('céline song')).toEqual(['pastLives']);
    expect(await search('romances directed')).toEqual(['portrait']);
  });

  test('web-search syntax: "phrases", -exclusions, or', async () => {
    expect(await search('"Celine Sciamma"')).toEqual(['portrait']);
    expect(await search('"Sciamma Celine"')).toEqual([]);
    expect(await search('Sciamma -romance')).toEqual(['tomboy']);
    expect(await search('sad -"Celine Song"')).toEqual(['tomboy']);
    expect(await search('Tomboy or Vienna')).toEqual(['tomboy', 'vienna']);
  });

  test('the same filter selects the dialogues of statistics', async () => {
    const res = await api.query('query($f: DialogueFilter) { datasetStatistics(filter: $f) { overall { dialogues utterances } } }', { f: { search: 'Sciamma romance' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.datasetStatistics.overall).toEqual({ dialogues: 1, utterances: 5 });
  });
});

describe('orderBy: RELEVANCE', () => {
  test('best match first; forward and backward pages with cursors walk the same order', async () => {
    const all = await search('romance', { o: 'RELEVANCE' });
    expect(all).toEqual(['vienna', 'portrait']);
    expect(await search('sad or romance or Sciamma', { o: 'RELEVANCE' })).toHaveLength(4);

    const q = `query($f: DialogueFilter, $first: Int, $after: String, $last: Int, $before: String) {
      dialogues(first: $first, after: $after, last: $last, before: $before, filter: $f, orderBy: RELEVANCE) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }`;
    const f = { search: 'sad or romance or Sciamma or Celine' };
    const full = await api.query(q, { f, first: 100 });
    expect(full.data.dialogues.totalCount).toBe(4);
    const expected = full.data.dialogues.edges.map((e: any) => e.node.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await api.query(q, { f, first: 1, after });
      expect(page.errors).toBeUndefined();
      seen.push(...page.data.dialogues.edges.map((e: any) => e.node.id));
      if (!page.data.dialogues.pageInfo.hasNextPage) break;
      after = page.data.dialogues.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    const back = await api.query(q, { f, last: 2, before: full.data.dialogues.edges[3].cursor });
    expect(back.data.dialogues.edges.map((e: any) => e.node.id)).toEqual(expected.slice(1, 3));
    expect(back.data.dialogues.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    // A cursor belongs to its search: another search refuses it instead of paging from a foreign rank.
    const foreign = await api.query(q, { f: { search: 'romance' }, first: 1, after: full.data.dialogues.edges[0].cursor });
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  test('RELEVANCE without a search is refused on orderBy', async () => {
    const res = await api.query('{ dialogues(first: 1, orderBy: RELEVANCE) { nodes { id } } }');
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'orderBy' });
    expect(res.errors?.[0].message).toMatch(/^orderBy: .*filter\.search/);
  });
});

describe('searchHighlights', () => {
  const Q = 'query($s: String!) { dialogues(first: 100, filter: { search: $s }) { nodes { id searchHighlights(query: $s) { turnIndex role snippet } } } }';

  test('the turns that hold the terms, with the matches marked in the original text', async () => {
    const res = await api.query(Q, { s: 'Celine Sciamma romance' });
    expect(res.errors).toBeUndefined();
    expect(res.data.dialogues.nodes).toEqual([
      {
        id: ids.portrait,
        searchHighlights: [
          { turnIndex: 0, role: 'USER', snippet: 'I would love a slow <b>romance</b> tonight.' },
          { turnIndex: 3, role: 'ASSISTANT', snippet: '<b>Céline</b> <b>Sciamma</b>, a French director.' },
        ],
      },
    ]);
  });

  test('one statement for a page, whatever its size; excluded words are not highlighted', async () => {
    logger.statements = [];
    // `&` binds tighter than `or`: sad | romance | (Sciamma & !Tomboy), so "tomboy" matches by "sad".
    const res = await api.query(Q, { s: 'sad or romance or Sciamma -Tomboy' });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.dialogues.nodes;
    expect(nodes.map((n: any) => n.id)).toEqual([ids.portrait, ids.tomboy, ids.vienna, ids.pastLives]);
    expect(nodes[1].searchHighlights).toEqual([
      { turnIndex: 0, role: 'USER', snippet: 'Any <b>Sciamma</b> films besides that one?' },
      { turnIndex: 2, role: 'USER', snippet: 'Are they <b>sad</b>?' },
    ]);
    expect(nodes.every((n: any) => n.searchHighlights.length > 0)).toBe(true);
    expect(JSON.stringify(nodes)).not.toMatch(/<b>Tomboy/);
    expect(logger.statements.filter((s) => s.sql.includes('ts_headline'))).toHaveLength(1);
  });

  test('a long turn is shown as fragments around its matches', async () => {
    const m = db.dataSource.manager;
    const filler = 'and then the story goes on for a while with many more words about other things entirely';
    const long = `A long answer about Céline Sciamma, ${filler}, ${filler}, ${filler}, until a romance appears at the end.`;
    const [{ id }] = await m.query(`INSERT INTO dialogues (dataset, domain, source, status, strategy) VALUES ('generated', 'Movies_and_TV', 'TEACHER', 'REJECTED', 'test') RETURNING id`);
    try {
      await m.query(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, 0, 'USER', 'Hi'), ($1, 1, 'ASSISTANT', $2)`, [id, long]);
      const res = await api.query('query($id: ID!) { dialogue(id: $id) { searchHighlights(query: "celine romance") { turnIndex snippet } } }', {
        id: toGlobalId('Dialogue', id),
      });
      expect(res.errors).toBeUndefined();
      const [h] = res.data.dialogue.searchHighlights;
      expect(h.turnIndex).toBe(1);
      expect(h.snippet).toMatch(/<b>Céline<\/b> Sciamma.* … .*<b>romance<\/b>/);
      expect(h.snippet.length).toBeLessThan(long.length);
    } finally {
      await m.query('DELETE FROM dialogues WHERE id = $1', [id]);
    }
  });

  test('a dialogue with none of the terms has no highlights', async () => {
    const res = await api.query('query($id: ID!) { dialogue(id: $id) { searchHighlights(query: "Vienna") { turnIndex } } }', { id: ids.portrait });
    expect(res.data.dialogue.searchHighlights).toEqual([]);
  });
});

describe('limits: a clear BAD_USER_INPUT, quickly, never a 500', () => {
  async function refused(text: string, argument = 'filter.search', highlight = false) {
    const started = Date.now();
    const res = highlight
      ? await api.query('query($id: ID!, $s: String!) { dialogue(id: $id) { searchHighlights(query: $s) { turnIndex } } }', { id: ids.portrait, s: text })
      : await api.query('query($s: String) { dialogues(first: 1, filter: { search: $s }) { nodes { id } } }', { s: text });
    expect(Date.now() - started).toBeLessThan(2000);
    // 200 from the search checks in the resolver; 400 when the general argument guard (U+0000 in any
    // argument) refuses the request before execution. Either way the client gets BAD_USER_INPUT.
    expect([200, 400]).toContain(res.status);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    return res.errors![0].message;
  }

  test('too long, too many terms, U+0000, no word at all', async () => {
    expect(await refused('x'.repeat(501))).toMatch(/^filter\.search: at most 500 characters, got 501/);
    expect(await refused(Array.from({ length: 33 }, (_, i) => `w${i}`).join(' '))).toBe('filter.search: at most 32 terms, got 33');
    expect(await refused('a\u0000b')).toMatch(/^filter\.search: contains U\+0000/);
    expect(await refused('   ')).toBe('filter.search: must contain at least one word');
    // The case: tens of thousands of terms used to exhaust the stack after seconds of CPU.
    expect(await refused('romance '.repeat(40000))).toMatch(/at most 500 characters/);
    expect(await refused('x'.repeat(501), 'query', true)).toMatch(/^query: at most 500 characters/);
    // 32 terms joined by `or` are 32 terms: `or` is the operator.
    expect(await search(Array.from({ length: 32 }, (_, i) => `w${i}`).join(' or '))).toEqual([]);
  });

  test('the limits come from the configuration (RECDIAL_SEARCH_MAX_CHARS, RECDIAL_SEARCH_MAX_TERMS)', async () => {
    const config = loadConfig({ RECDIAL_SEARCH_MAX_CHARS: '30', RECDIAL_SEARCH_MAX_TERMS: '2' });
    expect(config.search).toEqual({ maxChars: 30, maxTerms: 2 });
    const strict = await startTestApi(db.dataSource, { search: config.search });
    try {
      const res = await strict.query('{ dialogues(filter: { search: "Sciamma romance Celine" }) { nodes { id } } }');
      expect(res.errors?.[0]).toMatchObject({ message: 'filter.search: at most 2 terms, got 3', extensions: { code: 'BAD_USER_INPUT', argument: 'filter.search' } });
      const long = await strict.query('{ dialogues(filter: { search: "Sciamma romance, Céline, Portrait" }) { nodes { id } } }');
      expect(long.errors?.[0].message).toMatch(/^filter\.search: at most 30 characters, got 33/);
    } finally {
      await strict.close();
      configureSearch(loadConfig({})); // the limits are process-wide: back to the defaults for the other tests
    }
  });

  test('exports plan and stream with the same filter and the same limits', async () => {
    const planned = await planExport(db.dataSource.manager, { format: 'RELEASE', filter: { search: 'Sciamma romance' } });
    expect(await countDialogues(db.dataSource.manager, planned.filter)).toBe(1);
    const streamed: number[] = [];
    for await (const d of streamDialogues(db.dataSource.manager, { filter: planned.filter })) streamed.push(d.turns.length);
    expect(streamed).toEqual([5]);
    await expect(planExport(db.dataSource.manager, { format: 'RELEASE', filter: { search: 'x'.repeat(501) } })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'input.filter.search' },
    });
  });
});

describe('the search document follows every write of turns', () => {
  test('a dialogue imported before its items is searchable by the titles the TMDB import resolves into its turns', async () => {
    const file = writeRelease('late', 'valid', [releaseLine(['Something with a bear?', `Try ${M} Paddington 2 with zeppelins.`, 'Sure', 'Enjoy', 'Bye'], 'B00TINY002', ['B00TINY002'])]);
    await importDistillRecDial(db.dataSource, [file], { quiet: true });
    const before = await db.dataSource.query(`SELECT t.text FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.split = 'valid' AND t.idx = 1`);
    expect(await search('zeppelins bear')).toHaveLength(1);
    const summary = await importTmdb(db.dataSource, TMDB, { quiet: true });
    expect(summary.dialoguesResolved).toBe(1);
    const after = await db.dataSource.query(`SELECT t.text FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.split = 'valid' AND t.idx = 1`);
    expect(after[0].text).not.toBe(before[0].text);
    // The rewritten turns replaced the old ones in the document: the old text's words are gone.
    const [doc] = await db.dataSource.query(
      `SELECT s.document::text AS doc FROM dialogue_search s JOIN dialogues d ON d.id = s.dialogue_id WHERE d.split = 'valid'`,
    );
    const expected = await db.dataSource.query(`SELECT to_tsvector('recdial_search', string_agg(t.text, E'\\n' ORDER BY t.idx))::text AS doc
      FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.split = 'valid'`);
    expect(doc.doc).toBe(expected[0].doc);
    expect(await search('zeppelins Paddington')).toHaveLength(1);
  });

  test('inserting, updating and deleting turns (as the generation worker and replacing imports do) keeps documents current', async () => {
    const m = db.dataSource.manager;
    const [{ id }] = await m.query(
      `INSERT INTO dialogues (dataset, domain, source, status, strategy) VALUES ('generated', 'Movies_and_TV', 'TEACHER', 'ACCEPTED', 'test') RETURNING id`,
    );
    await m.query(`INSERT INTO turns (dialogue_id, idx, role, text) SELECT $1, i - 1, r, t FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(r, t, i)`, [
      id,
      ['USER', 'ASSISTANT'],
      ['A film about a lighthouse?', 'The Lighthouse, with Dafoe.'],
    ]);
    const gid = (await api.query('query($f: DialogueFilter) { dialogues(filter: $f) { nodes { id } } }', { f: { search: 'lighthouse Dafoe' } })).data.dialogues.nodes;
    expect(gid).toHaveLength(1);
    await m.query(`UPDATE turns SET text = 'The Lighthouse, with Pattinson.' WHERE dialogue_id = $1 AND idx = 1`, [id]);
    expect(await search('lighthouse Dafoe')).toEqual([]);
    expect(await search('lighthouse Pattinson')).toHaveLength(1);
    await m.query(`DELETE FROM turns WHERE dialogue_id = $1 AND idx = 1`, [id]);
    expect(await search('lighthouse Pattinson')).toEqual([]);
    expect(await search('lighthouse')).toHaveLength(1);
    await m.query(`DELETE FROM turns WHERE dialogue_id = $1`, [id]);
    expect((await m.query('SELECT count(*)::int AS n FROM dialogue_search WHERE dialogue_id = $1', [id]))[0].n).toBe(0);
    await m.query(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, 0, 'USER', 'Lighthouse again')`, [id]);
    await m.query(`DELETE FROM dialogues WHERE id = $1`, [id]);
    expect((await m.query('SELECT count(*)::int AS n FROM dialogue_search WHERE dialogue_id = $1', [id]))[0].n).toBe(0);
  });
});

test('a huge dialogue is stored and searchable by its beginning (the document keeps the first 250,000 characters)', async () => {
  const m = db.dataSource.manager;
  const [{ id }] = await m.query(`INSERT INTO dialogues (dataset, domain, source, status, strategy) VALUES ('generated', 'Movies_and_TV', 'TEACHER', 'REJECTED', 'huge') RETURNING id`);
  try {
    // 1.3 million characters of distinct words: their whole tsvector would pass PostgreSQL's 1 MB limit.
    await m.query(
      `INSERT INTO turns (dialogue_id, idx, role, text)
       SELECT $1, 0, 'USER', 'Kaleidoscope ' || string_agg('w' || md5(g::text), ' ') FROM generate_series(1, 40000) g`,
      [id],
    );
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM dialogue_search WHERE dialogue_id = $1 AND document @@ to_tsquery('recdial_search', 'kaleidoscope')`, [id]);
    expect(n).toBe(1);
    const res = await api.query('query($id: ID!) { dialogue(id: $id) { searchHighlights(query: "kaleidoscope") { turnIndex snippet } } }', { id: toGlobalId('Dialogue', id) });
    expect(res.errors).toBeUndefined();
    expect(res.data.dialogue.searchHighlights).toEqual([{ turnIndex: 0, snippet: expect.stringMatching(/^<b>Kaleidoscope<\/b> w/) }]);
  } finally {
    await m.query('DELETE FROM dialogues WHERE id = $1', [id]);
  }
});

describe('cost', () => {
  test('a search reads the GIN index of dialogue documents, never a scan of every document', async () => {
    // Some thousands of dialogues with statistics, so that the plans are those a real corpus
    // gets: 400 through the importer, the rest written by SQL (the triggers index those too).
    const words = ['comedy', 'drama', 'thriller', 'western', 'musical', 'horror', 'family', 'heist', 'noir', 'satire'];
    const lines = Array.from({ length: 400 }, (_, i) =>
      releaseLine([`Looking for a ${words[i % 10]} and something ${words[(i * 7) % 10]}.`, `How about title number ${i}${i % 97 === 0 ? ' with a dirigible' : ''}?`, 'Sounds good.', 'Thanks']),
    );
    await importDistillRecDial(db.dataSource, [writeRelease('bulk', 'test', lines)], { quiet: true });
    await db.dataSource.query(`
      WITH d AS (
        INSERT INTO dialogues (dataset, domain, source, status, strategy)
        SELECT 'generated', 'Movies_and_TV', 'TEACHER', 'ACCEPTED', 'bulk' FROM generate_series(1, 6000) RETURNING id)
      INSERT INTO turns (dialogue_id, idx, role, text)
      SELECT d.id, r.idx, CASE WHEN r.idx % 2 = 0 THEN 'USER' ELSE 'ASSISTANT' END,
             format('I like %s films, maybe a %s one, number %s.', w.words[1 + (d.id + r.idx) % 10], w.words[1 + (d.id * 3 + r.idx) % 10], d.id)
        FROM d, generate_series(0, 3) AS r(idx), (SELECT $1::text[] AS words) w`, [words]);
    await db.dataSource.query('ANALYZE dialogues; ANALYZE dialogue_search');
    expect(await search('dirigible noir')).not.toHaveLength(0);

    // Rare, common (in every generated dialogue) and absent terms, in id and relevance order.
    for (const [term, total] of [['dirigible', 5], ['maybe', 6000], ['zzzabsent', 0]] as const) {
      for (const orderBy of ['ID_ASC', 'RELEVANCE']) {
        logger.statements = [];
        const res = await api.query('query($o: DialogueOrder, $s: String) { dialogues(first: 20, filter: { search: $s }, orderBy: $o) { totalCount nodes { id } } }', { o: orderBy, s: term });
        expect(res.errors).toBeUndefined();
        expect(res.data.dialogues.totalCount).toBe(total);
        for (const marker of ['LIMIT', 'count(*)']) {
          const statement = logger.statements.find((s) => s.sql.includes('recdial_search_ids') && s.sql.includes(marker))!;
          const plan: Array<{ 'QUERY PLAN': string }> = await db.dataSource.query(`EXPLAIN ${statement.sql}`, statement.params);
          const text = plan.map((r) => r['QUERY PLAN']).join('\n');
          expect(text).toContain('recdial_search_ids');
          // No document is tested outside the index (that detoasts every one); RELEVANCE reads
          // documents only to rank the matches.
          expect(text).not.toMatch(/document @@/);
        }
      }
    }
    // Inside recdial_search_ids, under its own setting: the GIN index.
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query('SET LOCAL enable_seqscan = off');
      const plan: Array<{ 'QUERY PLAN': string }> = await runner.query(
        `EXPLAIN SELECT dialogue_id FROM dialogue_search WHERE document @@ websearch_to_tsquery('recdial_search', 'maybe')`,
      );
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('Bitmap Index Scan on dialogue_search_document_idx');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
