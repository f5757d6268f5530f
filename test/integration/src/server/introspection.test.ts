import { getIntrospectionQuery, IntrospectionQuery } from 'graphql';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';

/** What every GraphiQL-style explorer, IDE plugin and code generator sends first. */
const FULL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  inputValueDeprecation: true,
  schemaDescription: true,
});

const DEEP_DATA = 'dialogues(first: 1) { nodes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { supersedes { id } } } } } } } } } } }';

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.dataSource);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('introspection is exempt from the depth and cost limits', () => {
  test("graphql-js's full getIntrospectionQuery() succeeds over HTTP", async () => {
    const res = await api.query<IntrospectionQuery>(FULL_INTROSPECTION);
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
    const types = res.data!.__schema.types.map((t) => t.name);
    expect(types).toEqual(expect.arrayContaining(['Dialogue', 'Query', 'Mutation', 'Subscription', 'DialogueFilter']));
    expect(res.data!.__schema.queryType.name).toBe('Query');
  });

  test('also under limits far below its depth and cost', async () => {
    const strict = await startTestApi(db.dataSource, { maxQueryDepth: 2, maxQueryComplexity: 5 });
    try {
      const res = await strict.query(FULL_INTROSPECTION);
      expect(res.errors).toBeUndefined();
      expect(res.data.__schema.types.length).toBeGreaterThan(20);
      // `__typename` next to it is still introspection only.
      expect((await strict.query('{ __typename __type(name: "Dialogue") { fields { name type { ofType { ofType { name } } } } } }')).errors).toBeUndefined();
      // A data query under the same limits is refused.
      const data = await strict.query('{ dialogues(first: 5) { nodes { turns { text } } } }');
      expect(data.status).toBe(400);
      expect(data.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await strict.close();
    }
  });

  test('a deep data selection hidden next to __schema is still refused', async () => {
    const beside = await api.query(`{ __schema { queryType { name } } ${DEEP_DATA} }`);
    expect(beside.status).toBe(400);
    expect(beside.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(beside.data).toBeUndefined();

    // … or inside a fragment, or an inline fragment, spread next to it.
    const fragment = await api.query(`query { __schema { types { name } } ...Data } fragment Data on Query { ${DEEP_DATA} }`);
    expect(fragment.status).toBe(400);
    expect(fragment.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const inline = await api.query(`query { __schema { types { name } } ... on Query { ${DEEP_DATA} } }`);
    expect(inline.status).toBe(400);
    expect(inline.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  test("introspection's own recursion is bounded by graphql-js's MaxIntrospectionDepthRule", async () => {
    const res = await api.query('{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }');
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0].message).toMatch(/Maximum introspection depth exceeded/);
  });

  test('over graphql-ws too', async () => {
    const socket = openGraphQLSocket(api.wsUrl);
    try {
      expect(await socket.ready).toEqual({ acked: true });
      const introspection = await socket.run(FULL_INTROSPECTION);
      expect(introspection.errors).toBeUndefined();
      expect(introspection.results[0].data.__schema.types.length).toBeGreaterThan(20);
      const hidden = await socket.run(`{ __schema { queryType { name } } ${DEEP_DATA} }`);
      expect(hidden.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      socket.close();
    }
  });
});

describe('RECDIAL_INTROSPECTION=false', () => {
  let closed: TestApi;
  beforeAll(async () => {
    closed = await startTestApi(db.dataSource, { introspection: false });
  });
  afterAll(async () => {
    await closed?.close();
  });

  test('refuses introspection over HTTP and graphql-ws; data queries and __typename still run', async () => {
    const res = await closed.query(FULL_INTROSPECTION);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0].message).toMatch(/introspection/i);
    expect((await closed.query('{ __type(name: "Dialogue") { name } }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const data = await closed.query('{ __typename stereotypes { key } }');
    expect(data.errors).toBeUndefined();
    expect(data.data.__typename).toBe('Query');

    const socket = openGraphQLSocket(closed.wsUrl);
    try {
      await socket.ready;
      const ws = await socket.run('{ __schema { queryType { name } } }');
      expect(ws.results).toEqual([]);
      expect(ws.errors?.[0].message).toMatch(/introspection/i);
      expect(ws.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      socket.close();
    }
  });

  test('the explorer page says so', async () => {
    const page = await fetch(closed.server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Introspection is turned off on this server (RECDIAL_INTROSPECTION=false)');
    const open = await fetch(api.server.url, { headers: { accept: 'text/html' } });
    expect(await open.text()).not.toContain('Introspection is turned off');
  });
});

describe('GET /graphql', () => {
  test('a browser gets the explorer, served from this server: no script, style or font from another host', async () => {
    const res = await fetch(api.server.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/explorer/static/ruru.js');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/unpkg|cdn|fonts\.googleapis|apollographql/i);
    for (const file of ['ruru.js', 'ruru.css', 'graphqlWorker.js']) {
      const asset = await api.get(`/explorer/static/${file}`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await api.get('/explorer/static/nothing.js')).status).toBe(404);
  });

  test('?query= opens the explorer with that query', async () => {
    const res = await fetch(`${api.server.url}?query=${encodeURIComponent('{ stereotypes { key } }')}`, { headers: { accept: 'text/html' } });
    expect(await res.text()).toContain('"initialQuery": "{ stereotypes { key } }"');
  });

  test('GraphQL clients still get GraphQL over HTTP on GET (with the CSRF-safe header)', async () => {
    for (const accept of ['application/json', '*/*', 'application/graphql-response+json']) {
      const res = await fetch(`${api.server.url}?query=${encodeURIComponent('{ __typename stereotypes { key } }')}`, {
        headers: { accept, 'apollo-require-preflight': 'true' },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { __typename: string } }).data.__typename).toBe('Query');
    }
  });

  test('GET / redirects to the explorer', async () => {
    const res = await fetch(api.server.url.replace(/\/graphql$/, '/'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/graphql');
  });
});
