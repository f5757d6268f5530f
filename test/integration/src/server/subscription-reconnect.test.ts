import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../../../src/config/config';
import { openGraphQLSocket, startTestApi, type TestApi } from '../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../support/db';

/**
 * A subscription open while the database drops every connection (what a PostgreSQL restart does
 * to the API): the server listens again and resends the current state, so a job that finished
 * while nobody listened is still seen, and the subscription ends on it.
 */
let db: TestDatabase;
let api: TestApi;
let owner: Client;
let exportsDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  exportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-reconnect-'));
  api = await startTestApi(db.dataSource, { ...loadConfig({}), exportsDir });
  // The job's owner: another live server (its lock keeps the sweeps off the job).
  owner = new Client({ connectionString: db.url, application_name: 'test-owner' });
  await owner.connect();
  await owner.query('SELECT pg_advisory_lock(42424242)');
}, 120_000);
afterAll(async () => {
  await api?.close();
  await owner?.end();
  await db?.drop();
  fs.rmSync(exportsDir, { recursive: true, force: true });
});

test('exportUpdated sees a change made while its LISTEN connection was down', async () => {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO exports (format, options, folder, status, started_at, heartbeat_at, owner_lock) VALUES ('CANONICAL', '{}', $1, 'RUNNING', now(), now(), 42424242) RETURNING id`,
    [path.join(exportsDir, 'x')],
  );
  const socket = openGraphQLSocket(api.wsUrl);
  expect(await socket.ready).toEqual({ acked: true });
  const states: string[] = [];
  const gid = Buffer.from(`Export:${id}`).toString('base64url');
  const done = socket.run(`subscription($id: ID!) { exportUpdated(id: $id) { status } }`, { id: gid });
  // Wait for the first state, i.e. for the server to be listening.
  const listeners = () => db.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'recdial-recdial_export' AND datname = current_database()`);
  for (let i = 0; i < 50 && !(await listeners()).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await listeners()).toHaveLength(1);

  // Every server connection of the database goes, as in a restart (the owner's session stays).
  await owner.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'test-owner'`);
  // The job finishes while the API is not listening: this NOTIFY reaches nobody.
  await owner.query(`UPDATE exports SET status = 'COMPLETED', progress = 1, finished_at = now() WHERE id = $1`, [id]);
  await owner.query(`SELECT pg_notify('recdial_export', $1)`, [String(id)]);

  const { results, errors } = await Promise.race([done, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the subscription never ended')), 30_000))]);
  socket.close();
  expect(errors).toBeUndefined();
  for (const r of results) states.push(r.data?.exportUpdated?.status ?? JSON.stringify(r.errors));
  expect(states.at(-1)).toBe('COMPLETED');
  // And the API listens again.
  for (let i = 0; i < 50 && !(await listeners()).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await listeners()).toHaveLength(1);
}, 60_000);
