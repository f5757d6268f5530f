import { fork, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface PrivatePostgres {
  /** A database URL on this server (the database is created by `createDatabase`). */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Stops the server (connections are cut, as in a restart or a crash of PostgreSQL). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server of one test file's own on a random port, for tests that restart it: the
 * suite's shared server (global-setup.mjs) serves every other test file and must stay up.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-private-pg-'));
  const port = 50000 + Math.floor(Math.random() * 5000);
  const child: ChildProcess = fork(path.join(__dirname, 'private-postgres-server.mjs'), [dir, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const replies: Array<(m: any) => void> = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`private PostgreSQL exited (${code})`)));
  });
  await ready;
  child.on('message', (m) => replies.shift()?.(m));
  const command = (cmd: string) =>
    new Promise<void>((resolve, reject) => {
      replies.push((m) => (m.error ? reject(new Error(m.error)) : resolve()));
      child.send(cmd);
    });
  await command('start');
  const url = (database: string) => `postgres://postgres:test@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      const admin = new Client({ connectionString: url('postgres') });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return url(name);
    },
    stop: () => command('stop'),
    start: () => command('start'),
    async destroy() {
      if (child.exitCode === null) await command('exit').catch(() => undefined);
    },
  };
}
