import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../../../../src/config/config';
import { createApiKey, revokeApiKey, seedApiKeys } from '../../../../../src/modules/api-key/api-key.service';
import { startTestApi, type TestApi } from '../../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';
import { unzip } from '../../../../support/zip';

const OPS = 'ops-signed-url-secret';
const READER = 'reader-signed-url-secret';
let db: TestDatabase;
let api: TestApi;
let config: Readonly<Config>;
let exportsDir: string;
let exportId: string;

const URL_QUERY = `query($id: ID!, $expiresIn: Int) { export(id: $id) { downloadUrl(expiresIn: $expiresIn) } }`;

async function mint(expiresIn?: number, on: TestApi = api): Promise<string> {
  const res = await on.query(URL_QUERY, { id: exportId, expiresIn }, { token: OPS });
  expect(res.errors).toBeUndefined();
  return res.data.export.downloadUrl;
}

/** A plain GET as a browser would send it: no Authorization header. */
const get = (url: string, on: TestApi = api) => on.get(url);

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  exportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-signed-'));
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, exportsDir };
  api = await startTestApi(db.dataSource, config);
  const started = await api.query(`mutation { startExport(input: { format: JSONL, split: [TEST] }) { id } }`, {}, { token: OPS });
  exportId = started.data.startExport.id;
  for (let i = 0; i < 200; i++) {
    const { data } = await api.query(`query($id: ID!) { export(id: $id) { status } }`, { id: exportId });
    if (data.export.status === 'COMPLETED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
  fs.rmSync(exportsDir, { recursive: true, force: true });
});

test('a signed URL downloads the zip without an Authorization header', async () => {
  const url = await mint();
  expect(url).toMatch(new RegExp(`^/exports/${exportId}/download\\?expires=(\\d+)&key=\\d+&signature=[0-9a-f]{64}$`));
  const expires = Number(new URL(url, 'http://x').searchParams.get('expires'));
  // Default lifetime: 300 s.
  expect(Math.abs(expires - (Date.now() / 1000 + 300))).toBeLessThan(5);
  const res = await get(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  expect([...unzip(Buffer.from(await res.arrayBuffer())).keys()]).toEqual(['dialogues.jsonl']);
});

test('an expired link is refused with 403 JSON', async () => {
  const url = await mint(1);
  await new Promise((r) => setTimeout(r, 2100));
  const res = await get(url);
  expect(res.status).toBe(403);
  const body = (await res.json()) as any;
  expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
  expect(body.errors[0].message).toMatch(/expired/);
});

test('a forged or altered link is refused with 403 JSON', async () => {
  const url = await mint();
  const u = new URL(url, 'http://x');
  const signature = u.searchParams.get('signature')!;
  const key = u.searchParams.get('key')!;
  const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
  const later = String(Number(u.searchParams.get('expires')) + 3600);
  const otherExport = Buffer.from('Export:999999').toString('base64url');
  for (const bad of [
    `${u.pathname}?expires=${u.searchParams.get('expires')}&key=${key}&signature=${flipped}`,
    `${u.pathname}?expires=${later}&key=${key}&signature=${signature}`,
    `/exports/${otherExport}/download?expires=${u.searchParams.get('expires')}&key=${key}&signature=${signature}`,
    `${u.pathname}?expires=${u.searchParams.get('expires')}&key=${key}&signature=short`,
    `${u.pathname}?expires=${u.searchParams.get('expires')}&signature=${signature}`,
    // Beyond api_keys.id's integer range: refused, not a database error (a 500).
    `${u.pathname}?expires=${u.searchParams.get('expires')}&key=9999999999&signature=${signature}`,
    `${u.pathname}?signature=${signature}`,
  ]) {
    const res = await get(bad);
    expect({ bad, status: res.status }).toEqual({ bad, status: 403 });
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
  }
});

test('revoking the key that minted a link, or giving it a new secret, ends the link', async () => {
  const { secret } = await createApiKey(db.dataSource.manager, { name: 'leaver', role: 'operator' });
  const res = await api.query(URL_QUERY, { id: exportId }, { token: secret });
  expect(res.errors).toBeUndefined();
  const url: string = res.data.export.downloadUrl;
  const other = await mint();
  expect((await get(url)).status).toBe(200);
  expect(await revokeApiKey(db.dataSource.manager, 'leaver')).toBe(true);
  const refused = await get(url);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/revoked/) });
  // Links minted by other keys are untouched.
  expect((await get(other)).status).toBe(200);
  // A link re-pointed at another key is a forgery.
  const ops = new URL(other, 'http://x').searchParams.get('key')!;
  expect((await get(url.replace(/key=\d+/, `key=${ops}`))).status).toBe(403);
  // A new secret for a key (RECDIAL_API_KEYS with the same name) ends its old links as well.
  await seedApiKeys(db.dataSource.manager, 'rotated:operator:first-secret');
  const first = await api.query(URL_QUERY, { id: exportId }, { token: 'first-secret' });
  const rotatedUrl: string = first.data.export.downloadUrl;
  expect((await get(rotatedUrl)).status).toBe(200);
  await seedApiKeys(db.dataSource.manager, 'rotated:operator:second-secret');
  expect((await get(rotatedUrl)).status).toBe(403);
});

test('only an operator can mint one; expiresIn is checked', async () => {
  const anonymous = await api.query(URL_QUERY, { id: exportId });
  expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(anonymous.data.export.downloadUrl).toBeNull();
  const reader = await api.query(URL_QUERY, { id: exportId }, { token: READER });
  expect(reader.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  for (const expiresIn of [0, -5, 86_401]) {
    const res = await api.query(URL_QUERY, { id: exportId, expiresIn }, { token: OPS });
    expect(res.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'expiresIn' });
  }
});

test('API processes over one database share the generated secret; RECDIAL_DOWNLOAD_SECRET replaces it', async () => {
  const url = await mint();
  const second = await startTestApi(db.dataSource, config);
  const own = await startTestApi(db.dataSource, { ...config, downloadSecret: 'a-configured-secret' });
  try {
    expect((await get(url, second)).status).toBe(200);
    // A server with its own configured secret does not accept links signed with the stored one…
    expect((await get(url, own)).status).toBe(403);
    // …and accepts its own.
    expect((await get(await mint(60, own), own)).status).toBe(200);
  } finally {
    await second.close();
    await own.close();
  }
  const rows = await db.dataSource.query(`SELECT key FROM settings WHERE key = 'exportDownloadSecret'`);
  expect(rows).toHaveLength(1);
});
