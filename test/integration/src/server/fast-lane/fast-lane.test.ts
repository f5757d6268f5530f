/**
 * The query fast lane (src/server/fast-lane) answers exactly as Apollo's pipeline does: the same
 * bytes, statuses and headers for data and for errors, the same auth, limits and metrics. Two
 * servers over one database, one with the lane and one without, get the same requests.
 */
import { PlanCache } from '../../../../../src/server/fast-lane/plan-cache';
import { startTestApi, TestApi } from '../../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';

const KEYS = 'ops:operator:s3cret,ro:reader:r3ad';

let db: TestDatabase;
let fast: TestApi;
let slow: TestApi;

/** Which lane each query text took, seen from the plan cache. */
const lanes = new Map<string, 'fast' | 'apollo'>();
const originalGet = PlanCache.prototype.get;

beforeAll(async () => {
  jest.spyOn(PlanCache.prototype, 'get').mockImplementation(function (this: PlanCache, query: string, operationName: string | undefined) {
    const verdict = originalGet.call(this, query, operationName);
    lanes.set(query, verdict === 'apollo' ? 'apollo' : 'fast');
    return verdict;
  });
  db = await createTestDatabase();
  await importSample(db.dataSource);
  // A small complexity budget, so that a page size can cross it.
  fast = await startTestApi(db.dataSource, { fastLane: true, apiKeys: KEYS, maxQueryComplexity: 5000 });
  slow = await startTestApi(db.dataSource, { fastLane: false, apiKeys: KEYS, maxQueryComplexity: 5000 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  await db?.drop();
  jest.restoreAllMocks();
});

interface Raw {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  etag: string | null;
  /** Every header but the date. */
  headers: Record<string, string>;
  body: string;
}

async function post(api: TestApi, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(api.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const all = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, contentType: res.headers.get('content-type'), cacheControl: res.headers.get('cache-control'), etag: res.headers.get('etag'), headers: all, body: await res.text() };
}

/** Sends the same request to both servers and expects identical answers; returns the fast one. */
async function same(body: { query: string; variables?: Record<string, unknown>; operationName?: string } | string | unknown[], headers: Record<string, string> = {}): Promise<Raw> {
  const a = await post(fast, body, headers);
  const b = await post(slow, body, headers);
  expect(a).toEqual(b);
  return a;
}

const PAGE = `query($stereotype: String, $after: String, $n: Int) {
  dialogues(first: $n, after: $after, filter: { stereotype: $stereotype }) {
    edges { cursor node { id createdAt turns { index role text } targetItem { asin title } stereotype { key } } }
    pageInfo { endCursor hasNextPage hasPreviousPage }
  }
}`;

test('data queries take the fast lane and answer byte for byte as Apollo does', async () => {
  const first = await same({ query: PAGE, variables: { n: 3 } });
  expect(lanes.get(PAGE)).toBe('fast');
  expect(first.status).toBe(200);
  expect(first.contentType).toBe('application/json; charset=utf-8');
  expect(first.cacheControl).toBe('no-store');
  expect(first.etag).toBeNull();
  const page = JSON.parse(first.body).data.dialogues;
  expect(page.edges).toHaveLength(3);
  expect(page.edges[0].node.turns.length).toBeGreaterThan(0);
  // The next page through the cursor, on both.
  const next = await same({ query: PAGE, variables: { n: 3, after: page.pageInfo.endCursor } });
  expect(JSON.parse(next.body).data.dialogues.pageInfo.hasPreviousPage).toBe(true);

  const id = page.edges[0].node.id;
  const ONE = `query($id: ID!) { dialogue(id: $id) { id turns { index text mentions { rawId isRecommendation start end item { asin title } } } recommendedItems { asin } } node(id: $id) { id ... on Dialogue { status } } }`;
  const one = await same({ query: ONE, variables: { id } });
  expect(lanes.get(ONE)).toBe('fast');
  expect(JSON.parse(one.body).data.node.id).toBe(id);

  const asin = page.edges[0].node.targetItem.asin;
  const ITEM = `query($asin: String) { item(asin: $asin) { title dialogues(role: MENTION, first: 5) { edges { node { id } } pageInfo { endCursor } } } }`;
  const item = await same({ query: ITEM, variables: { asin } });
  expect(JSON.parse(item.body).data.item.title).toBeTruthy();
  // Named operations among several, fragments, aliases and __typename.
  const NAMED = `fragment T on Turn { index role }
    query A { a: dialogues(first: 1) { nodes { __typename id turns { ...T } } } }
    query B { stereotypes { key } }`;
  await same({ query: NAMED, operationName: 'A' });
  await same({ query: NAMED, operationName: 'B' });
});

test('errors raised while executing: same codes, messages and statuses as Apollo', async () => {
  const badCursor = await same({ query: PAGE, variables: { n: 2, after: 'not-a-cursor' } });
  expect(JSON.parse(badCursor.body).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
  const unknown = await same({ query: PAGE, variables: { n: 2, stereotype: 'Nobody' } });
  expect(JSON.parse(unknown.body).errors[0].extensions.argument).toBe('filter.stereotype');
  const tooBig = await same({ query: `query($n: Int) { dialogues(first: $n) { nodes { id } } }`, variables: { n: 1000 } });
  expect(JSON.parse(tooBig.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const both = await same({ query: `{ item(id: "x", asin: "y") { title } }` });
  expect(JSON.parse(both.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('variables that do not coerce stay BAD_USER_INPUT with status 400', async () => {
  for (const variables of [{ n: 'ten' }, { n: 2.5 }, { stereotype: 42 }]) {
    const res = await same({ query: PAGE, variables });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  }
  const missing = await same({ query: `query($id: ID!) { dialogue(id: $id) { id } }` });
  expect(missing.status).toBe(400);
  expect(JSON.parse(missing.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('depth and complexity limits hold on the fast lane, and the cached verdict follows the page size', async () => {
  const DEEP = `{ dialogues { nodes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { id } } } } } } } } } } } }`;
  const deep = await same({ query: DEEP });
  expect(deep.status).toBe(400);
  expect(JSON.parse(deep.body).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  const COSTLY = `query($n: Int) { dialogues(first: $n) { nodes { turns { mentions { item { asin title } } } mentionedItems { asin } } } }`;
  const cheap = await same({ query: COSTLY, variables: { n: 1 } });
  expect(cheap.status).toBe(200);
  expect(lanes.get(COSTLY)).toBe('fast');
  // Same document, a page size that exceeds the limit: the verdict cached for n = 1 must not apply.
  const costly = await same({ query: COSTLY, variables: { n: 100 } });
  expect(costly.status).toBe(400);
  expect(JSON.parse(costly.body).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  expect((await same({ query: COSTLY, variables: { n: 1 } })).status).toBe(200);
  expect((await same({ query: COSTLY, variables: { n: 100 } })).status).toBe(400);
});

test('introspection, invalid documents, mutations and other media types go to Apollo', async () => {
  const INTROSPECT = `{ __schema { queryType { name } } }`;
  await same({ query: INTROSPECT });
  expect(lanes.get(INTROSPECT)).toBe('apollo');
  const invalid = await same({ query: `{ dialogues { nodes { nope } } }` });
  expect(invalid.status).toBe(400);
  expect(JSON.parse(invalid.body).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const syntax = await same({ query: `{ dialogues { ` });
  expect(JSON.parse(syntax.body).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  const mutation = await same({ query: `mutation { cancelGenerationRun(id: "x") { id } }` });
  expect(JSON.parse(mutation.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  const graphqlResponse = await same({ query: `{ stereotypes { key } }` }, { accept: 'application/graphql-response+json' });
  expect(graphqlResponse.contentType).toMatch(/^application\/graphql-response\+json/);
});

test('auth: a bad key is refused on the fast lane, and RECDIAL_REQUIRE_KEY_FOR_QUERIES holds', async () => {
  const Q = `{ stereotypes { key } }`;
  const bad = await same({ query: Q }, { authorization: 'Bearer nope' });
  expect(bad.status).toBe(401);
  expect(JSON.parse(bad.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  const closedFast = await startTestApi(db.dataSource, { apiKeys: KEYS, requireKeyForQueries: true, fastLane: true });
  const closedSlow = await startTestApi(db.dataSource, { apiKeys: KEYS, requireKeyForQueries: true, fastLane: false });
  try {
    for (const headers of [{}, { authorization: 'Bearer r3ad' }, { authorization: 'Bearer s3cret' }, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
      const a = await post(closedFast, { query: Q }, headers);
      const b = await post(closedSlow, { query: Q }, headers);
      expect(a).toEqual(b);
      expect(a.status).toBe('authorization' in headers && headers.authorization !== 'Bearer wrong' ? 200 : 401);
    }
    expect(lanes.get(Q)).toBe('fast');
  } finally {
    await closedFast.close();
    await closedSlow.close();
  }
});

test('metrics count fast-lane requests and their errors', async () => {
  const metric = async (api: TestApi, pattern: RegExp) => {
    const text = await (await api.get('/metrics')).text();
    const line = text.split('\n').find((l) => pattern.test(l));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const okBefore = await metric(fast, /^recdial_graphql_request_duration_seconds_count\{operation="query",outcome="ok"\}/);
  const errBefore = await metric(fast, /^recdial_graphql_errors_total\{code="BAD_USER_INPUT"\}/);
  await post(fast, { query: PAGE, variables: { n: 1 } });
  await post(fast, { query: PAGE, variables: { n: 1, after: 'bad' } });
  expect(await metric(fast, /^recdial_graphql_request_duration_seconds_count\{operation="query",outcome="ok"\}/)).toBe(okBefore + 1);
  expect(await metric(fast, /^recdial_graphql_errors_total\{code="BAD_USER_INPUT"\}/)).toBe(errBefore + 1);
});

test('bodies that are not a GraphQL request get the answers they got without the lane', async () => {
  const broken = await same('{"query": "{ stereotypes { key } }"');
  expect(broken.status).toBe(400);
  const scalar = await same('"just a string"');
  expect(scalar.status).toBe(400);
  const batch = await same([{ query: '{ stereotypes { key } }' }]);
  expect(batch.status).toBe(400);
  const noQuery = await same({ variables: {} } as never);
  expect(noQuery.status).toBe(400);
  // The lane still answers afterwards on the same keep-alive connections.
  expect((await same({ query: PAGE, variables: { n: 1 } })).status).toBe(200);
  // Other methods and paths are untouched.
  const health = await fast.get('/healthz');
  expect(health.status).toBe(200);
});

test('a NUL in a variable is refused on the fast lane even after the same document was cleared by the cached verdict', async () => {
  const SEARCH = `query($s: String) { dialogues(first: 2, filter: { search: $s }) { nodes { id } } }`;
  const clean = await same({ query: SEARCH, variables: { s: 'Paddington' } });
  expect(clean.status).toBe(200);
  expect(lanes.get(SEARCH)).toBe('fast');
  const nul = await same({ query: SEARCH, variables: { s: 'Padd\u0000ington' } });
  expect(nul.status).toBe(400);
  expect(JSON.parse(nul.body).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.search' });
});

test('a subscription sent over HTTP POST is a 400 BAD_REQUEST on both lanes', async () => {
  const res = await same({ query: 'subscription { exportUpdated(id: "RXhwb3J0OjE=") { status } }' });
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body).errors[0].extensions.code).toBe('BAD_REQUEST');
});

test('the cached verdict follows @include/@skip variables: a hidden whole-corpus field cannot be switched on after a cheap first call', async () => {
  const fields = Array.from({ length: 3 }, (_, i) => `s${i}: datasetStatistics @include(if: $on) { overall { dialogues } }`).join(' ');
  const QUERY = `query($on: Boolean!) { ${fields} dialogues(first: 1) { nodes { id } } }`;
  const off = await same({ query: QUERY, variables: { on: false } });
  expect(off.status).toBe(200);
  const on = await same({ query: QUERY, variables: { on: true } });
  expect(on.status).toBe(400);
  expect(JSON.parse(on.body).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
});
