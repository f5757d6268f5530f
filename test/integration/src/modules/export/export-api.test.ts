import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../../../../src/config/config';
import { openGraphQLSocket, startTestApi, type TestApi } from '../../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';
import { unzip } from '../../../../support/zip';

const OPS = 'ops-export-secret';
const READER = 'reader-export-secret';
let db: TestDatabase;
let api: TestApi;
let config: Readonly<Config>;
let exportsDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  exportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-exports-'));
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, exportsDir };
  api = await startTestApi(db.dataSource, config);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
  fs.rmSync(exportsDir, { recursive: true, force: true });
});

const EXPORT_FIELDS = 'id status format progress downloadUrl error files { name bytes sha256 } report options filter';
const START = `mutation($input: ExportInput!) { startExport(input: $input) { ${EXPORT_FIELDS} } }`;

const exportGid = (id: number) => Buffer.from(`Export:${id}`).toString('base64url');
const dbId = (gid: string) => Number(Buffer.from(gid, 'base64url').toString('utf8').split(':')[1]);

function download(url: string, token?: string): Promise<Response> {
  const base = api.server.url.replace(/\/graphql$/, '');
  return fetch(base + url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

/** Follows exportUpdated over graphql-ws until the export finishes; returns every state seen. */
async function follow(id: string): Promise<any[]> {
  // With the operator key: downloadUrl is minted for operators only.
  const socket = openGraphQLSocket(api.wsUrl, { Authorization: `Bearer ${OPS}` });
  expect(await socket.ready).toEqual({ acked: true });
  try {
    const { results, errors } = await socket.run(`subscription($id: ID!) { exportUpdated(id: $id) { ${EXPORT_FIELDS} } }`, { id });
    expect(errors).toBeUndefined();
    return results.map((r) => r.data.exportUpdated);
  } finally {
    socket.close();
  }
}

describe('a canonical export, start to download', () => {
  let started: any;
  let states: any[];
  let zipBytes: Buffer;

  beforeAll(async () => {
    const res = await api.query(START, { input: { format: 'CANONICAL', split: ['TEST', 'VALID'] } }, { token: OPS });
    expect(res.errors).toBeUndefined();
    started = res.data.startExport;
    states = await follow(started.id);
  });

  test('startExport answers at once with the queued job', () => {
    expect(['QUEUED', 'RUNNING', 'COMPLETED']).toContain(started.status);
    expect(started.format).toBe('CANONICAL');
    expect(started.options).toEqual({ splits: ['test', 'valid'] });
  });

  test('exportUpdated reports until COMPLETED, then gives the files and the download URL', () => {
    const last = states[states.length - 1];
    expect(last.status).toBe('COMPLETED');
    expect(last.progress).toBe(1);
    expect(last.downloadUrl).toMatch(new RegExp(`^/exports/${started.id}/download\\?expires=\\d+&key=\\d+&signature=[0-9a-f]{64}$`));
    expect(last.files.map((f: any) => f.name)).toEqual(['canonical.jsonl']);
    // The sample's test and valid splits: 10 + 10 dialogues.
    expect(last.report.counts).toEqual({ dialogues: 20, test: 10, valid: 10 });
    for (const s of states.slice(0, -1)) expect(['QUEUED', 'RUNNING']).toContain(s.status);
  });

  test('the download is a zip of exactly the files written, the same bytes every time', async () => {
    const res = await download(`/exports/${started.id}/download`, OPS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="canonical.zip"');
    zipBytes = Buffer.from(await res.arrayBuffer());
    const entries = unzip(zipBytes);
    const last = states[states.length - 1];
    expect([...entries.keys()]).toEqual(['canonical.jsonl']);
    const content = entries.get('canonical.jsonl')!;
    const onDisk = fs.readFileSync(path.join(exportsDir, String(dbId(started.id)), 'canonical.jsonl'));
    expect(content.equals(onDisk)).toBe(true);
    expect(content.length).toBe(last.files[0].bytes);
    expect(createHash('sha256').update(content).digest('hex')).toBe(last.files[0].sha256);
    const lines = content.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.split)).toEqual([...Array(10).fill('test'), ...Array(10).fill('valid')]);
    expect(Object.keys(lines[0])).toEqual([
      'id', 'dataset', 'domain', 'source', 'status', 'split', 'scenario', 'strategy', 'model', 'user_id', 'target', 'named_items',
      'generation_run_id', 'version', 'supersedes', 'split_position', 'created_at', 'import_key', 'content_hash', 'turns', 'rejection_reasons',
      'warnings', 'provenance',
    ]);
    const again = Buffer.from(await (await download(`/exports/${started.id}/download`, OPS)).arrayBuffer());
    expect(again.equals(zipBytes)).toBe(true);
  });

  test('the export is listed and can be read back by id', async () => {
    const one = await api.query(`query($id: ID!) { export(id: $id) { id status } }`, { id: started.id });
    expect(one.data.export).toEqual({ id: started.id, status: 'COMPLETED' });
    const list = await api.query(`{ exports(first: 10) { nodes { id format } } }`);
    expect(list.data.exports.nodes).toContainEqual({ id: started.id, format: 'CANONICAL' });
    const node = await api.query(`query($id: ID!) { node(id: $id) { id ... on Export { format } } }`, { id: started.id });
    expect(node.data.node).toEqual({ id: started.id, format: 'CANONICAL' });
  });

  test('downloads need an operator key: 401 without or with a bad key, 403 for a reader', async () => {
    const url = `/exports/${started.id}/download`;
    for (const [token, status, code] of [
      [undefined, 401, 'UNAUTHENTICATED'],
      ['not-a-key', 401, 'UNAUTHENTICATED'],
      [READER, 403, 'FORBIDDEN'],
    ] as const) {
      const res = await download(url, token);
      expect(res.status).toBe(status);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe(code);
    }
  });
});

test('downloading an unknown export is 404, one that is not COMPLETED 409', async () => {
  const missing = await download(`/exports/${exportGid(999_999)}/download`, OPS);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO exports (format, options, status, folder, heartbeat_at) VALUES ('JSONL', '{}', 'RUNNING', '/nonexistent', now()) RETURNING id`,
  );
  const busy = await download(`/exports/${exportGid(id)}/download`, OPS);
  expect(busy.status).toBe(409);
  const body = (await busy.json()) as any;
  expect(body.errors[0].extensions.code).toBe('CONFLICT');
  expect(body.errors[0].message).toContain('is RUNNING');
  const other = await download(`/exports/${Buffer.from('Dialogue:1').toString('base64url')}/download`, OPS);
  expect(other.status).toBe(400);
  await db.dataSource.query('DELETE FROM exports WHERE id = $1', [id]);
});

test('startExport checks its arguments before anything runs, naming them', async () => {
  const before = await db.dataSource.query('SELECT count(*)::int AS n FROM exports');
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ format: 'CRSLAB', tokenize: 'gpt3' }, 'input.tokenize', /expected one of gpt2, bert, word/],
    [{ format: 'CRSLAB', flavor: 'sideways' }, 'input.flavor', /expected one of upstream, distillrecdial/],
    [{ format: 'CRSLAB', split: ['TRAIN', 'TEST'] }, 'input.split', /at most one split/],
    [{ format: 'JSONL', stereotype: 'Nobody' }, 'input.stereotype', /unknown stereotype "Nobody"/],
    [{ format: 'JSONL', filter: { stereotype: 'Nobody' } }, 'input.filter.stereotype', /unknown stereotype "Nobody"/],
    [{ format: 'RELEASE', tokenize: 'bert' }, 'input.tokenize', /applies only to format CRSLAB/],
    [{ format: 'SFT', sftFormat: 'yaml' }, 'input.sftFormat', /expected one of messages, text/],
    [{ format: 'LLM_REDIAL', split: ['TRAIN', 'TEST'] }, 'input.split', /at most one split/],
  ];
  for (const [input, argument, message] of cases) {
    const res = await api.query(START, { input }, { token: OPS });
    expect({ input, error: res.errors?.[0]?.extensions }).toEqual({ input, error: { code: 'BAD_USER_INPUT', argument } });
    expect(res.errors![0].message).toMatch(message);
  }
  // An unknown format is not an ExportFormat value: GraphQL's own validation refuses it.
  const unknownFormat = await api.query(`mutation { startExport(input: { format: PICKLE }) { id } }`, {}, { token: OPS });
  expect(unknownFormat.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(unknownFormat.errors![0].message).toContain('"PICKLE" does not exist in "ExportFormat"');
  expect((await api.query(START, { input: { format: 'JSONL' } })).errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  expect((await api.query(START, { input: { format: 'JSONL' } }, { token: READER })).errors![0].extensions!.code).toBe('FORBIDDEN');
  expect(await db.dataSource.query('SELECT count(*)::int AS n FROM exports')).toEqual(before);
});

test('a failing export is FAILED with its error, and leaves no half-written folder', async () => {
  // The writer reads turns; without them it fails after it has opened its file.
  await db.dataSource.query('ALTER TABLE turns RENAME TO turns_away');
  try {
    const res = await api.query(START, { input: { format: 'JSONL' } }, { token: OPS });
    expect(res.errors).toBeUndefined();
    const states = await follow(res.data.startExport.id);
    const last = states[states.length - 1];
    expect(last.status).toBe('FAILED');
    expect(last.error).toMatch(/turns/);
    expect(last.downloadUrl).toBeNull();
    const id = String(dbId(res.data.startExport.id));
    expect(fs.readdirSync(exportsDir).filter((name) => name.startsWith(id))).toEqual([]);
  } finally {
    await db.dataSource.query('ALTER TABLE turns_away RENAME TO turns');
  }
});

test('an export whose server died is marked FAILED by the next server that starts', async () => {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO exports (format, options, status, folder, heartbeat_at) VALUES ('JSONL', '{}', 'RUNNING', '/nonexistent', now() - interval '5 minutes') RETURNING id`,
  );
  const second = await startTestApi(db.dataSource, config);
  try {
    let row: any;
    for (let i = 0; i < 50; i++) {
      [row] = await db.dataSource.query('SELECT status, error FROM exports WHERE id = $1', [id]);
      if (row.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/^interrupted/);
  } finally {
    await second.close();
  }
});

test('a release export through the API: the zip holds the three split files and the manifest', async () => {
  const res = await api.query(START, { input: { format: 'RELEASE' } }, { token: OPS });
  const states = await follow(res.data.startExport.id);
  const last = states[states.length - 1];
  expect(last.status).toBe('COMPLETED');
  const zip = await download(last.downloadUrl, OPS);
  expect(zip.headers.get('content-disposition')).toBe('attachment; filename="distillrecdial.zip"');
  const entries = unzip(Buffer.from(await zip.arrayBuffer()));
  expect([...entries.keys()]).toEqual([
    'Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl',
    'Movies_and_TV_llama3.1_reserved_special_token_10_valid.jsonl',
    'Movies_and_TV_llama3.1_reserved_special_token_10_test.jsonl',
    'manifest.json',
  ]);
  expect(entries.get('Movies_and_TV_llama3.1_reserved_special_token_10_valid.jsonl')!.toString('utf8').trim().split('\n')).toHaveLength(10);
});

describe('CRSLab through the API', () => {
  let files: Map<string, Buffer>;

  beforeAll(async () => {
    const res = await api.query(START, { input: { format: 'CRSLAB', flavor: 'distillrecdial', tokenize: 'gpt2' } }, { token: OPS });
    expect(res.errors).toBeUndefined();
    const states = await follow(res.data.startExport.id);
    const last = states[states.length - 1];
    expect(last).toMatchObject({ status: 'COMPLETED', error: null });
    const zip = await download(last.downloadUrl, OPS);
    // docs/formats.md §8.1: distillrecdial_<tokenize>.zip with the data files at the archive root.
    expect(zip.headers.get('content-disposition')).toBe('attachment; filename="distillrecdial_gpt2.zip"');
    files = unzip(Buffer.from(await zip.arrayBuffer()));
  }, 120_000);

  test('the download holds the loader’s files at the archive root, .built included', () => {
    for (const name of ['train_data.json', 'valid_data.json', 'test_data.json', 'token2id.json', 'entity2id.json', 'movie_ids.json', 'dbpedia_subkg.json', '.built']) {
      expect([...files.keys()]).toContain(name);
    }
    expect([...files.keys()].every((name) => !name.includes('/'))).toBe(true);
    expect(files.get('.built')!.toString('utf8').split('\n')[1]).toBe('0.1');
  });

  test('crslabDialogues streams the same records as the files, split by split', async () => {
    const socket = openGraphQLSocket(api.wsUrl, { Authorization: `Bearer ${OPS}` });
    expect(await socket.ready).toEqual({ acked: true });
    try {
      const { results, errors } = await socket.run(
        `subscription($input: ExportInput!) { crslabDialogues(input: $input) { split index records } }`,
        { input: { format: 'CRSLAB', flavor: 'distillrecdial', tokenize: 'gpt2' } },
      );
      expect(errors).toBeUndefined();
      const batches = results.map((r) => r.data.crslabDialogues);
      for (const split of ['train', 'valid', 'test']) {
        const ofSplit = batches.filter((b) => b.split === split.toUpperCase());
        expect(ofSplit.map((b) => b.index)).toEqual(ofSplit.map((_, i) => ofSplit.slice(0, i).reduce((n, b) => n + b.records.length, 0)));
        expect(ofSplit.flatMap((b) => b.records)).toEqual(JSON.parse(files.get(`${split}_data.json`)!.toString('utf8')));
      }
    } finally {
      socket.close();
    }
  });

  test('crslabDialogues needs an operator key, as downloading the export does', async () => {
    const query = `subscription($input: ExportInput!) { crslabDialogues(input: $input) { index } }`;
    const input = { format: 'CRSLAB', flavor: 'distillrecdial', tokenize: 'gpt2' };
    for (const [params, code] of [
      [undefined, 'UNAUTHENTICATED'],
      [{ Authorization: `Bearer ${READER}` }, 'FORBIDDEN'],
    ] as const) {
      const socket = openGraphQLSocket(api.wsUrl, params);
      expect(await socket.ready).toEqual({ acked: true });
      try {
        const { results, errors } = await socket.run(query, { input });
        const error = (errors ?? results[0]?.errors)?.[0];
        expect(error?.extensions?.code).toBe(code);
        expect(results.filter((r) => r.data?.crslabDialogues)).toEqual([]);
      } finally {
        socket.close();
      }
    }
  });

  test('crslabDialogues takes CRSLAB input only and checks it like startExport', async () => {
    const socket = openGraphQLSocket(api.wsUrl, { Authorization: `Bearer ${OPS}` });
    expect(await socket.ready).toEqual({ acked: true });
    try {
      const query = `subscription($input: ExportInput!) { crslabDialogues(input: $input) { index } }`;
      // An error while subscribing arrives as the operation's one result.
      const firstError = async (input: Record<string, unknown>) => {
        const { results, errors } = await socket.run(query, { input });
        return (errors ?? results[0]?.errors)?.[0];
      };
      expect((await firstError({ format: 'JSONL' })).extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'input.format' });
      expect((await firstError({ format: 'CRSLAB', tokenize: 'gpt3' })).extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'input.tokenize' });
    } finally {
      socket.close();
    }
  });
});
