import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { createApiKey, hashSecret, revokeApiKey, seedApiKeys, verifyApiKey } from '../../../../src/modules/api-key/api-key.service';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';

/** Sees every statement the data source runs. */
class CountingLogger extends AbstractLogger {
  statements: string[] = [];
  protected writeLog(level: LogLevel, message: LogMessage | LogMessage[]): void {
    for (const m of Array.isArray(message) ? message : [message]) {
      if (level === 'query' && typeof m.message === 'string') this.statements.push(m.message);
    }
  }
}
const logger = new CountingLogger(['query']);

const KEYS = 'ops:operator:s3cret,ro:reader:r3ad';

const UPDATE = `
  mutation Update($input: UpdatePromptInput!) {
    updatePrompt(input: $input) { kind key version sha256 builtIn note createdBy createdAt }
  }`;
const input = { kind: 'STEREOTYPE_SYSTEM', key: 'Cold-Start Browser', content: 'You write movie conversations. Version one.', note: 'first edit' };

let db: TestDatabase;
let api: TestApi;
let revoked: string;

beforeAll(async () => {
  db = await createTestDatabase({ logger });
  api = await startTestApi(db.dataSource, { apiKeys: KEYS });
  revoked = (await createApiKey(db.dataSource.manager, { name: 'old', role: 'operator' })).secret;
  expect(await revokeApiKey(db.dataSource.manager, 'old')).toBe(true);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('mutations need an operator key', () => {
  test('without a key: UNAUTHENTICATED, HTTP 401', async () => {
    const res = await api.query(UPDATE, { input });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.updatePrompt).toBeUndefined();
  });

  test('with a reader key: FORBIDDEN, HTTP 403', async () => {
    const res = await api.query(UPDATE, { input }, { token: 'r3ad' });
    expect(res.status).toBe(403);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(res.errors?.[0].message).toContain('"ro"');
  });

  test('with a revoked or unknown key: UNAUTHENTICATED, HTTP 401', async () => {
    for (const token of [revoked, 'no-such-key']) {
      const res = await api.query(UPDATE, { input }, { token });
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  test('a malformed Authorization header: UNAUTHENTICATED', async () => {
    const res = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic b3BzOnMzY3JldA==' },
      body: JSON.stringify({ query: '{ stereotypes { key } }' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test('nothing was stored by the refused calls', async () => {
    const res = await api.query(`{ promptVersions(kind: STEREOTYPE_SYSTEM, key: "Cold-Start Browser") { version } }`);
    expect(res.data.promptVersions).toEqual([{ version: 0 }]);
  });

  test('with an operator key the prompt gets version 1, which becomes active', async () => {
    const res = await api.query(UPDATE, { input }, { token: 's3cret' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.updatePrompt).toMatchObject({ kind: 'STEREOTYPE_SYSTEM', key: 'Cold-Start Browser', version: 1, builtIn: false, note: 'first edit', createdBy: 'ops' });
    expect(res.data.updatePrompt.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(res.data.updatePrompt.createdAt).getTime()).not.toBeNaN();

    const list = await api.query(`{ stereotypes { key systemPrompt { version builtIn content } } }`);
    expect(list.errors).toBeUndefined();
    const prompts = Object.fromEntries(list.data.stereotypes.map((s: any) => [s.key, s.systemPrompt]));
    expect(prompts['Cold-Start Browser']).toEqual({ version: 1, builtIn: false, content: input.content });
    expect(prompts['Fully Expressive Seeker']).toMatchObject({ version: 0, builtIn: true });
    expect(prompts['Fully Expressive Seeker'].content.length).toBeGreaterThan(100);

    const history = await api.query(`{ promptVersions(kind: STEREOTYPE_SYSTEM, key: "Cold-Start Browser") { version builtIn createdBy } }`);
    expect(history.data.promptVersions).toEqual([
      { version: 1, builtIn: false, createdBy: 'ops' },
      { version: 0, builtIn: true, createdBy: null },
    ]);
  });

  test('argument errors name the argument', async () => {
    const unknown = await api.query(UPDATE, { input: { ...input, key: 'Nobody' } }, { token: 's3cret' });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.key' });
    const empty = await api.query(UPDATE, { input: { ...input, content: '  ' } }, { token: 's3cret' });
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.content' });
    const goal = await api.query(UPDATE, { input: { kind: 'GOAL_TEMPLATE_INSTRUCTIONS', key: 'Cold-Start Browser', content: 'x' } }, { token: 's3cret' });
    expect(goal.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.key' });
    const history = await api.query(`{ promptVersions(kind: GOAL_TEMPLATE_INSTRUCTIONS, key: "other") { version } }`);
    expect(history.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'key' });
  });

  test('goal-template instructions: built-in first, then the stored version (key defaults to "default")', async () => {
    const before = await api.query(`{ goalTemplateInstructions { kind key version builtIn } }`);
    expect(before.data.goalTemplateInstructions).toEqual({ kind: 'GOAL_TEMPLATE_INSTRUCTIONS', key: 'default', version: 0, builtIn: true });
    const res = await api.query(UPDATE, { input: { kind: 'GOAL_TEMPLATE_INSTRUCTIONS', content: 'Write goals.' } }, { token: 's3cret' });
    expect(res.data.updatePrompt).toMatchObject({ key: 'default', version: 1 });
    const after = await api.query(`{ goalTemplateInstructions { version content } }`);
    expect(after.data.goalTemplateInstructions).toEqual({ version: 1, content: 'Write goals.' });
  });
});

test('Stereotype.systemPrompt costs one query for all five stereotypes', async () => {
  logger.statements = [];
  const res = await api.query(`{ stereotypes { key systemPrompt { version } } }`);
  expect(res.errors).toBeUndefined();
  expect(logger.statements.filter((s) => s.includes('prompt_versions'))).toHaveLength(1);
});

describe('queries', () => {
  test('are open without a key', async () => {
    const res = await api.query(`{ stereotypes { key } }`);
    expect(res.status).toBe(200);
    expect(res.data.stereotypes).toHaveLength(5);
  });

  test('with requireKeyForQueries: refused without a key, allowed with any valid key', async () => {
    const closed = await startTestApi(db.dataSource, { apiKeys: KEYS, requireKeyForQueries: true });
    try {
      const none = await closed.query(`{ stereotypes { key } }`);
      expect(none.status).toBe(401);
      expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const probe = await closed.query(`{ stereotypez { key } }`);
      expect(probe.status).toBe(401);
      expect(probe.errors?.[0].message).not.toMatch(/Did you mean/);
      const reader = await closed.query(`{ stereotypes { key } }`, undefined, { token: 'r3ad' });
      expect(reader.errors).toBeUndefined();
      expect(reader.data.stereotypes).toHaveLength(5);
      const bad = await closed.query(`{ stereotypes { key } }`, undefined, { token: revoked });
      expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await closed.close();
    }
  });
});

describe('keys', () => {
  test('are stored hashed: no secret in the table', async () => {
    const rows: Array<Record<string, unknown>> = await db.dataSource.query('SELECT * FROM api_keys');
    const dump = JSON.stringify(rows);
    for (const secret of ['s3cret', 'r3ad', revoked]) {
      expect(dump).not.toContain(secret);
      expect(rows.some((r) => r.secret_hash === hashSecret(secret))).toBe(true);
    }
  });

  test('createApiKey returns a secret that verifies; revoking it stops it', async () => {
    const manager = db.dataSource.manager;
    const created = await createApiKey(manager, { name: 'ci', role: 'reader' });
    expect(created.secret).toMatch(/^rdk_/);
    expect(await verifyApiKey(manager, created.secret)).toEqual({ id: expect.any(Number), name: 'ci', role: 'reader' });
    await expect(createApiKey(manager, { name: 'ci', role: 'operator' })).rejects.toThrow('already exists');
    expect(await revokeApiKey(manager, 'ci')).toBe(true);
    expect(await verifyApiKey(manager, created.secret)).toBeNull();
  });

  test('seeding again keeps a revocation while the secret is unchanged; a new secret is active', async () => {
    const manager = db.dataSource.manager;
    await seedApiKeys(manager, 'temp:reader:one');
    expect(await revokeApiKey(manager, 'temp')).toBe(true);
    // Nothing left to revoke: an unknown name, or one already revoked.
    expect(await revokeApiKey(manager, 'temp')).toBe(false);
    expect(await revokeApiKey(manager, 'no-such-key')).toBe(false);
    await seedApiKeys(manager, 'temp:reader:one');
    expect(await verifyApiKey(manager, 'one')).toBeNull();
    await seedApiKeys(manager, 'temp:operator:two');
    expect(await verifyApiKey(manager, 'two')).toEqual({ id: expect.any(Number), name: 'temp', role: 'operator' });
  });
});

describe('graphql-ws on /graphql', () => {
  test('a bad key is refused with close code 4401', async () => {
    for (const params of [{ Authorization: 'Bearer nope' }, { authorization: `Bearer ${revoked}` }]) {
      const socket = openGraphQLSocket(api.wsUrl, params);
      const ready = await socket.ready;
      expect(ready).toMatchObject({ acked: false, code: 4401 });
      expect((ready as { reason: string }).reason).toMatch(/^Unauthorized/);
    }
  });

  test('a good key, or none on an open server, is acknowledged and can run a query', async () => {
    for (const params of [{ Authorization: 'Bearer r3ad' }, undefined]) {
      const socket = openGraphQLSocket(api.wsUrl, params);
      expect(await socket.ready).toEqual({ acked: true });
      const { results, errors } = await socket.run(`query { stereotypes { key } }`);
      expect(errors).toBeUndefined();
      expect(results[0].data.stereotypes).toHaveLength(5);
      socket.close();
      await socket.closed;
    }
  });

  test('mutations over the socket follow the same rules', async () => {
    const reader = openGraphQLSocket(api.wsUrl, { Authorization: 'Bearer r3ad' });
    await reader.ready;
    const refused = await reader.run(UPDATE, { input });
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0].extensions.http).toBeUndefined();
    reader.close();

    const operator = openGraphQLSocket(api.wsUrl, { Authorization: 'Bearer s3cret' });
    await operator.ready;
    const done = await operator.run(UPDATE, { input: { ...input, content: 'Version two.' } });
    expect(done.errors).toBeUndefined();
    expect(done.results[0].data.updatePrompt).toMatchObject({ version: 2, createdBy: 'ops' });
    operator.close();
  });

  test('limits and variable errors apply over the socket', async () => {
    const socket = openGraphQLSocket(api.wsUrl);
    await socket.ready;
    const deep = await socket.run(`{ dialogues { edges { node { user { dialogues { edges { node { user { dialogues { edges { node { id } } } } } } } } } } } }`);
    expect(deep.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const badVar = await socket.run(`query Q($kind: PromptKind!) { promptVersions(kind: $kind, key: "default") { version } }`, { kind: 'NOPE' });
    expect(badVar.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    socket.close();
  });

  test('with requireKeyForQueries, no key is refused with 4401', async () => {
    const closed = await startTestApi(db.dataSource, { requireKeyForQueries: true });
    try {
      const socket = openGraphQLSocket(closed.wsUrl);
      expect(await socket.ready).toMatchObject({ acked: false, code: 4401 });
      const withKey = openGraphQLSocket(closed.wsUrl, { Authorization: 'Bearer r3ad' });
      expect(await withKey.ready).toEqual({ acked: true });
      withKey.close();
    } finally {
      await closed.close();
    }
  });
});
