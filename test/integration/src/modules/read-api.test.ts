import fs from 'node:fs';
import path from 'node:path';
import { parseChatTemplate } from '../../../../src/ingest/chat-template';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample, SAMPLE_RELEASE } from '../../../support/sample';

const MARKER = '<|reserved_special_token_10|> ';

interface ReleaseLine {
  text: string;
  target: string[];
  named_items: string[];
  scenario: string;
}

/** The sample's release lines in import order (files sorted by name, then line order). */
function sampleLines(): Array<ReleaseLine & { split: string }> {
  return fs
    .readdirSync(SAMPLE_RELEASE)
    .sort()
    .flatMap((name) => {
      const split = /_(train|valid|test)\.jsonl$/.exec(name)![1];
      return fs
        .readFileSync(path.join(SAMPLE_RELEASE, name), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => ({ ...(JSON.parse(l) as ReleaseLine), split }));
    });
}

let db: TestDatabase;
let api: TestApi;
const lines = sampleLines();

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const DIALOGUE_PAGE = `
  query Page($first: Int, $after: String, $last: Int, $before: String, $filter: DialogueFilter, $orderBy: DialogueOrder) {
    dialogues(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      edges { cursor node { id split stereotype { key } targetAsin targetItem { asin title }
        turns { index role text mentions { rawId isRecommendation isFirstMention start end item { asin cleanedTitle } } } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

describe('dialogues', () => {
  test('the first five dialogues of "Fully Expressive Seeker" with their turns, as in the release files', async () => {
    const res = await api.query(DIALOGUE_PAGE, { first: 5, filter: { stereotype: 'Fully Expressive Seeker' } });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.dialogues.edges.map((e: any) => e.node);
    const expected = lines.filter((l) => l.scenario === 'Fully Expressive Seeker').slice(0, 5);
    expect(nodes).toHaveLength(5);
    nodes.forEach((node: any, i: number) => {
      const messages = parseChatTemplate(expected[i].text).messages.filter((m) => m.role !== 'system');
      expect(node.stereotype.key).toBe('Fully Expressive Seeker');
      expect(node.split).toBe(expected[i].split.toUpperCase());
      expect(node.targetAsin).toBe(expected[i].target[0].slice(4, -1));
      expect(node.turns.map((t: any) => t.role)).toEqual(messages.map((m) => (m.role === 'user' ? 'USER' : 'ASSISTANT')));
      // Markers are gone from the stored text, and every recommendation spans its item's title.
      node.turns.forEach((turn: any, t: number) => {
        expect(turn.text).not.toContain('<|reserved_special_token_10|>');
        if (turn.role === 'ASSISTANT') {
          const markers = messages[t].content.split(MARKER).length - 1;
          expect(turn.mentions.filter((m: any) => m.isRecommendation)).toHaveLength(markers);
        }
        for (const m of turn.mentions.filter((x: any) => x.item)) {
          expect(turn.text.slice(m.start, m.end).toLowerCase()).toBe(m.item.cleanedTitle.toLowerCase());
        }
      });
    });
    expect(res.data.dialogues.pageInfo.hasNextPage).toBe(true);
  });

  test('cursor pagination walks every accepted dialogue once, forwards and backwards', async () => {
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await api.query(DIALOGUE_PAGE, { first: 7, after });
      forward.push(...res.data.dialogues.edges.map((e: any) => e.node.id));
      if (!res.data.dialogues.pageInfo.hasNextPage) break;
      after = res.data.dialogues.pageInfo.endCursor;
    }
    expect(forward).toHaveLength(lines.length);
    expect(new Set(forward).size).toBe(lines.length);

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const res: any = await api.query(DIALOGUE_PAGE, { last: 9, before });
      backward.unshift(...res.data.dialogues.edges.map((e: any) => e.node.id));
      if (!res.data.dialogues.pageInfo.hasPreviousPage) break;
      before = res.data.dialogues.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);

    const desc: any = await api.query(DIALOGUE_PAGE, { first: 3, orderBy: 'ID_DESC' });
    expect(desc.data.dialogues.edges.map((e: any) => e.node.id)).toEqual(forward.slice(-3).reverse());
  });

  test('a cursor is bound to its order, and the page size is capped at 100', async () => {
    const asc: any = await api.query(DIALOGUE_PAGE, { first: 2 });
    const wrongOrder = await api.query(DIALOGUE_PAGE, { first: 2, after: asc.data.dialogues.pageInfo.endCursor, orderBy: 'CREATED_AT_DESC' });
    expect(wrongOrder.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrongOrder.errors?.[0].message).toMatch(/^after: .*another order/);

    const garbage = await api.query(DIALOGUE_PAGE, { first: 2, after: 'not-a-cursor' });
    expect(garbage.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });

    const tooBig = await api.query(DIALOGUE_PAGE, { first: 101 });
    expect(tooBig.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    expect(tooBig.errors?.[0].message).toContain('at most 100');
  });

  test('filters: split, target and mentioned item, full-text search, and totalCount', async () => {
    const count = async (filter: object) => {
      const res = await api.query('query($f: DialogueFilter) { dialogues(first: 1, filter: $f) { totalCount } }', { f: filter });
      expect(res.errors).toBeUndefined();
      return res.data.dialogues.totalCount as number;
    };
    expect(await count({})).toBe(lines.length);
    expect(await count({ split: 'TEST' })).toBe(lines.filter((l) => l.split === 'test').length);
    const target = lines[0].target[0].slice(4, -1);
    expect(await count({ targetAsin: target })).toBe(lines.filter((l) => l.target[0] === lines[0].target[0]).length);
    const named = lines[1].named_items[0].slice(4, -1);
    expect(await count({ mentionsAsin: named })).toBe(lines.filter((l) => l.named_items.includes(`<id_${named}>`)).length);
    expect(await count({ dataset: 'distillrecdial', source: 'IMPORTED' })).toBe(lines.length);
    expect(await count({ status: 'REJECTED' })).toBe(0);

    const word = 'recommend';
    const searched = await count({ search: word });
    expect(searched).toBeGreaterThan(0);
    expect(searched).toBeLessThanOrEqual(lines.length);
  });

  test('a wrong argument names itself, with a stable code', async () => {
    const res = await api.query(DIALOGUE_PAGE, { first: 1, filter: { stereotype: 'Nobody' } });
    expect(res.status).toBe(200);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.stereotype' });
    expect(res.errors?.[0].message).toContain('"Fully Expressive Seeker"');

    const item = await api.query('{ item(id: "RGlhbG9ndWU6MQ") { title } }');
    expect(item.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(item.errors?.[0].message).toContain('is a Dialogue id, expected a Item id');

    // A variable that does not fit its type is the client's mistake (400), not a server error.
    const badVariable = await api.query('query Q($o: DialogueOrder) { dialogues(first: 1, orderBy: $o) { totalCount } }', { o: 'NOPE' });
    expect(badVariable.status).toBe(400);
    expect(badVariable.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(badVariable.errors?.[0].message).toContain('"NOPE"');
  });

  test('dialogue(id) and node(id) return the dialogue; unresolved ids are listed', async () => {
    const withUnknown = lines.findIndex((l) => /<id_[^>]+>/.test(l.text.replace(/<\|[^|]+\|>/g, '')));
    expect(withUnknown).toBeGreaterThanOrEqual(0);
    const page: any = await api.query('query($n: Int) { dialogues(first: $n) { nodes { id } } }', { n: Math.min(100, withUnknown + 1) });
    const id = page.data.dialogues.nodes[withUnknown].id;
    const res = await api.query(
      `query($id: ID!) { dialogue(id: $id) { id unresolvedItemIds warnings { code } recommendedItems { asin } mentionedItems { asin } }
                         node(id: $id) { id ... on Dialogue { dataset } } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    const unknown = [...lines[withUnknown].text.matchAll(/<id_([^<>\s]+)>/g)].map((m) => m[1]);
    expect(res.data.dialogue.unresolvedItemIds).toEqual([...new Set(unknown)]);
    expect(res.data.dialogue.warnings.map((w: any) => w.code)).toContain('UNKNOWN_ITEM_ID');
    expect(res.data.dialogue.mentionedItems.map((i: any) => i.asin)).toEqual(lines[withUnknown].named_items.map((t) => t.slice(4, -1)));
    expect(res.data.node).toEqual({ id, dataset: 'distillrecdial' });
  });
});

describe('items, stereotypes and splits', () => {
  test('item(asin) with the dialogues that target it and that mention it', async () => {
    const asin = lines[0].target[0].slice(4, -1);
    const res = await api.query(
      `query($asin: String) { item(asin: $asin) { asin title cast directors genres
          asTarget: dialogues(role: TARGET, first: 20) { totalCount }
          asMention: dialogues(role: MENTION, first: 20) { totalCount edges { node { id } } } } }`,
      { asin },
    );
    expect(res.errors).toBeUndefined();
    const item = res.data.item;
    expect(item.asin).toBe(asin);
    expect(item.asTarget.totalCount).toBe(lines.filter((l) => l.target[0] === `<id_${asin}>`).length);
    expect(item.asMention.totalCount).toBe(lines.filter((l) => l.named_items.includes(`<id_${asin}>`)).length);
    expect(item.cast.length).toBeLessThanOrEqual(10);
  });

  test('item needs exactly one of id and asin; an unknown asin is null', async () => {
    const none = await api.query('{ item { title } }');
    expect(none.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await api.query('{ item(asin: "B0NOTHERE0") { title } }');
    expect(missing.errors).toBeUndefined();
    expect(missing.data.item).toBeNull();
  });

  test('stereotypes and splits count accepted dialogues per stereotype', async () => {
    const res = await api.query('{ stereotypes { key dialogueCount } splits { name dialogueCount byStereotype { stereotype { key } count } } }');
    expect(res.errors).toBeUndefined();
    for (const s of res.data.stereotypes) {
      expect(s.dialogueCount).toBe(lines.filter((l) => l.scenario === s.key).length);
    }
    for (const split of res.data.splits) {
      const mine = lines.filter((l) => l.split === split.name.toLowerCase());
      expect(split.dialogueCount).toBe(mine.length);
      for (const c of split.byStereotype) expect(c.count).toBe(mine.filter((l) => l.scenario === c.stereotype.key).length);
    }
  });

  test('items filter by genre and title words', async () => {
    const res = await api.query('{ items(first: 100, filter: { genre: "Animation" }) { totalCount nodes { genres } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.items.totalCount).toBeGreaterThan(0);
    for (const n of res.data.items.nodes) expect(n.genres).toContain('Animation');
  });
});

describe('users', () => {
  test('user by source id with chronological interactions and dialogues', async () => {
    const [user] = await db.dataSource.query(`INSERT INTO users (source_id) VALUES ('AUSERFORTEST0000000000000001') RETURNING id`);
    const items = await db.dataSource.query('SELECT id, asin FROM items ORDER BY id LIMIT 3');
    for (const [i, item] of items.entries()) {
      await db.dataSource.query(
        'INSERT INTO interactions (user_id, item_id, rating, timestamp_ms, review_title) VALUES ($1, $2, $3, $4, $5)',
        [user.id, item.id, 5 - i, 1_600_000_000_000 - i * 86_400_000, `review ${i}`],
      );
    }
    const res = await api.query(`{ user(sourceId: "AUSERFORTEST0000000000000001") { sourceId
        interactions(first: 2) { totalCount edges { node { rating timestamp item { asin } } } pageInfo { hasNextPage } }
        dialogues(first: 5) { totalCount } } }`);
    expect(res.errors).toBeUndefined();
    const u = res.data.user;
    expect(u.interactions.totalCount).toBe(3);
    // Oldest first: the third insert is the earliest.
    expect(u.interactions.edges.map((e: any) => e.node.item.asin)).toEqual([items[2].asin, items[1].asin]);
    expect(u.interactions.pageInfo.hasNextPage).toBe(true);
    expect(u.dialogues.totalCount).toBe(0);
  });
});

describe('limits and endpoints', () => {
  test('a query that is too deep or too complex is refused with QUERY_TOO_COMPLEX and HTTP 400', async () => {
    const deep = await api.query(
      '{ dialogues(first: 1) { nodes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { id } } } } } } } } } } } }',
    );
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');

    const wide = await api.query(
      '{ items(first: 100) { nodes { dialogues(first: 100) { nodes { turns { mentions { item { dialogues(first: 100) { nodes { id } } } } } } } } } }',
    );
    expect(wide.status).toBe(400);
    expect(wide.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(wide.errors?.[0].message).toMatch(/complexity \d+ exceeds/);
  });

  test('/healthz, /readyz and /metrics', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    await api.query('{ stereotypes { key } }');
    const metrics = await (await api.get('/metrics')).text();
    expect(metrics).toContain('recdial_graphql_request_duration_seconds_count{operation="query",outcome="ok"}');
  });
});
