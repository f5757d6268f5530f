import { openGraphQLSocket, startTestApi, type TestApi } from '../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

/**
 * Every bad input a careless or hostile client can send answers with a stable client error code
 * and a JSON body: never a masked 500, never express's HTML page, never a stack trace.
 */
let db: TestDatabase;
let api: TestApi;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource);
  url = api.server.url;
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

async function post(body: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: parsed };
}

const gql = (query: string, variables?: Record<string, unknown>) => post(JSON.stringify({ query, variables }));

/** A cursor of `connection` with its values replaced: the digest stays valid, the values are forged. */
async function forgedCursor(query: string, pick: (data: any) => string, values: (original: string[]) => string[]): Promise<string> {
  const res = await api.query(query);
  expect(res.errors).toBeUndefined();
  const [digest, ...original] = JSON.parse(Buffer.from(pick(res.data), 'base64url').toString('utf8')) as string[];
  return Buffer.from(JSON.stringify([digest, ...values(original)]), 'utf8').toString('base64url');
}

const firstDialogueCursor = (order = 'ID_ASC') => `{ dialogues(first: 1, orderBy: ${order}) { pageInfo { endCursor } } }`;
const endCursor = (data: any) => data.dialogues.pageInfo.endCursor;

function expectClean(answer: Answer): void {
  expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
  expect(answer.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  // No stack frames, no server paths.
  expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\/|\.ts:\d+/);
}

type Case = [name: string, send: () => Promise<Answer>, status: number, code: string, argument?: string];

const cases: Case[] = [
  ['NUL in a string literal of a nested input', () => gql('{ dialogues(first: 1, filter: { search: "a\\u0000b" }) { nodes { id } } }'), 400, 'BAD_USER_INPUT', 'filter.search'],
  ['NUL in a variable', () => gql('query($a: String) { item(asin: $a) { id } }', { a: 'B0\u00001' }), 400, 'BAD_USER_INPUT', 'asin'],
  ['NUL in an input object sent as a variable', () => gql('query($f: DialogueFilter) { dialogues(first: 1, filter: $f) { nodes { id } } }', { f: { split: 'TEST', stereotype: 'x\u0000' } }), 400, 'BAD_USER_INPUT', 'filter.stereotype'],
  ['NUL inside a fragment', () => gql('query { ...F } fragment F on Query { items(first: 1, filter: { search: "\\u0000" }) { nodes { id } } }'), 400, 'BAD_USER_INPUT', 'filter.search'],
  ['a forged cursor value ("abc")', async () => gql(`{ dialogues(first: 1, after: "${await forgedCursor(firstDialogueCursor(), endCursor, () => ['abc'])}") { nodes { id } } }`), 200, 'BAD_USER_INPUT', 'after'],
  ['a forged cursor value (integer overflow)', async () => gql(`{ dialogues(first: 1, after: "${await forgedCursor(firstDialogueCursor(), endCursor, () => ['99999999999999999999'])}") { nodes { id } } }`), 200, 'BAD_USER_INPUT', 'after'],
  ['a forged cursor value ("1e3")', async () => gql(`{ dialogues(last: 1, before: "${await forgedCursor(firstDialogueCursor(), endCursor, () => ['1e3'])}") { nodes { id } } }`), 200, 'BAD_USER_INPUT', 'before'],
  ['a forged timestamp in a cursor', async () => gql(`{ dialogues(first: 1, orderBy: CREATED_AT_ASC, after: "${await forgedCursor(firstDialogueCursor('CREATED_AT_ASC'), endCursor, ([, id]) => ['2026-02-30 00:00:00+00', id])}") { nodes { id } } }`), 200, 'BAD_USER_INPUT', 'after'],
  ['a cursor of another connection', async () => gql(`{ items(first: 1, after: "${Buffer.from(JSON.stringify(['x', '\u0000'])).toString('base64url')}") { nodes { id } } }`), 200, 'BAD_USER_INPUT', 'after'],
  ['ten aliases of a whole-corpus field', () => gql(`{ ${Array.from({ length: 10 }, (_, i) => `s${i}: datasetStatistics(tokenize: GPT2) { overall { dialogues } }`).join(' ')} }`), 400, 'QUERY_TOO_COMPLEX'],
  ['three whole-corpus fields (over the per-request cap)', () => gql('{ a: datasetStatistics { overall { dialogues } } b: diversity { dialogues } c: datasetStatistics(tokenize: BERT) { overall { dialogues } } }'), 400, 'QUERY_TOO_COMPLEX'],
  ['a subscription over HTTP POST', () => gql('subscription { exportUpdated(id: "RXhwb3J0OjE") { id } }'), 400, 'BAD_REQUEST'],
  ['malformed JSON', () => post('{"query": "{ __typename }"'), 400, 'BAD_REQUEST'],
  ['a body that is a JSON string', () => post('"{ __typename }"'), 400, 'BAD_REQUEST'],
  ['a body that is a JSON number', () => post('42'), 400, 'BAD_REQUEST'],
  ['an empty JSON object', () => post('{}'), 400, 'BAD_REQUEST'],
  ['a batch (JSON array)', () => post('[{"query": "{ __typename }"}]'), 400, 'BAD_REQUEST'],
  ['a query that is not a string', () => post('{"query": 42}'), 400, 'BAD_REQUEST'],
  ['variables that are not an object', () => post('{"query": "{ __typename }", "variables": "x"}'), 400, 'BAD_REQUEST'],
  ['a text/plain body (CSRF prevention)', () => post('{"query": "{ __typename }"}', 'text/plain'), 400, 'BAD_REQUEST'],
  ['a body over the size limit', () => post(JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } })), 413, 'PAYLOAD_TOO_LARGE'],
  ['an unknown route', async () => {
    const res = await fetch(url.replace(/\/graphql$/, '/nope'), { method: 'GET' });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: JSON.parse(text) };
  }, 404, 'ROUTE_NOT_FOUND'],
];

describe.each([['development'], ['production']])('with NODE_ENV=%s', (nodeEnv) => {
  const saved = process.env.NODE_ENV;
  beforeAll(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  afterAll(() => {
    process.env.NODE_ENV = saved;
  });

  // Rows as objects: with tuples of different lengths jest would pass `done` as the last argument.
  test.each(cases.map(([name, send, status, code, argument]) => ({ name, send, status, code, argument })))('$name', async ({ send, status, code, argument }) => {
    const answer = await send();
    expectClean(answer);
    expect(answer.status).toBe(status);
    expect(answer.body?.errors).toHaveLength(1);
    const [error] = answer.body.errors;
    expect(error.extensions.code).toBe(code);
    if (argument) {
      expect(error.extensions.argument).toBe(argument);
      expect(error.message).toMatch(new RegExp(`^${argument.replace(/[.[\]]/g, '\\$&')}: `));
    }
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(answer.body.data ?? null).toBeNull();
  });
});

test('a good cursor still pages (the checks refuse only forged values)', async () => {
  for (const order of ['ID_ASC', 'CREATED_AT_DESC']) {
    const first = await api.query(`{ dialogues(first: 2, orderBy: ${order}) { nodes { id } pageInfo { endCursor } } }`);
    const next = await api.query(`query($after: String) { dialogues(first: 2, orderBy: ${order}, after: $after) { nodes { id } } }`, { after: first.data.dialogues.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
    expect(next.data.dialogues.nodes).toHaveLength(2);
    expect(next.data.dialogues.nodes[0].id).not.toBe(first.data.dialogues.nodes[1].id);
  }
});

test('whole-corpus fields: ten aliases are over the cost limit, three over the per-request cap', async () => {
  const ten = await api.query(`{ ${Array.from({ length: 10 }, (_, i) => `s${i}: datasetStatistics(tokenize: GPT2) { overall { dialogues } }`).join(' ')} }`);
  expect(ten.errors?.[0]?.message).toMatch(/^query complexity 1000\d\d exceeds the limit of 50000/);
  const three = await api.query('{ a: datasetStatistics { overall { dialogues } } b: diversity { dialogues } c: datasetStatistics(tokenize: BERT) { overall { dialogues } } }');
  expect(three.errors?.[0]?.message).toMatch(/^the query asks for 3 fields that scan the whole selection .*; at most 2 per request$/);
  const two = await api.query('{ a: datasetStatistics { overall { dialogues } } b: diversity { dialogues } }');
  expect(two.errors).toBeUndefined();
});

test('one whole-corpus field per request is allowed', async () => {
  const res = await api.query('{ datasetStatistics { overall { dialogues } } }');
  expect(res.errors).toBeUndefined();
  expect(res.data.datasetStatistics.overall.dialogues).toBeGreaterThan(0);
});

test('NUL in an argument over graphql-ws is the same BAD_USER_INPUT', async () => {
  const socket = openGraphQLSocket(api.wsUrl);
  expect(await socket.ready).toEqual({ acked: true });
  try {
    const { results, errors } = await socket.run('query($s: String) { dialogues(first: 1, filter: { search: $s }) { nodes { id } } }', { s: 'a\u0000b' });
    const error = (errors ?? results[0]?.errors)?.[0];
    expect(error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'filter.search' } });
  } finally {
    socket.close();
  }
});
