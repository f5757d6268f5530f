import path from 'node:path';
import { DataSource, Logger } from 'typeorm';
import { Config } from '../config/config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import { migrate } from './migrate';

export interface OpenDatabase {
  dataSource: DataSource;
  url: string;
  /** True for the embedded default database (DATABASE_URL unset). */
  embedded: boolean;
  /** True when the embedded database was created by this call (first start). */
  created: boolean;
  close(): Promise<void>;
}

export class PendingMigrationsError extends Error {}

/**
 * Opens the configured database. The embedded default is started when nothing runs yet and
 * migrated automatically; a database named by DATABASE_URL must be migrated with
 * `recdial migrate` (so that a deployment decides when its schema changes).
 */
export async function openDatabase(
  config: Readonly<Config>,
  options: {
    logger?: Logger;
    /** Default: apply on the embedded database, require none pending at DATABASE_URL. */
    migrations?: 'apply' | 'require' | 'ignore';
    poolSize?: number;
    log?: (line: string) => void;
  } = {},
): Promise<OpenDatabase> {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: 'recdial', log: options.log });
  const url = config.databaseUrl ?? embedded!.url;
  const dataSource = createDataSource({ url, statementTimeoutMs: config.statementTimeoutMs, logger: options.logger, poolSize: options.poolSize });
  try {
    await dataSource.initialize();
    const migrations = options.migrations ?? (embedded ? 'apply' : 'require');
    if (migrations === 'apply') {
      await migrate(dataSource);
    } else if (migrations === 'require' && (await dataSource.showMigrations())) {
      throw new PendingMigrationsError('the database at DATABASE_URL has pending migrations: run `recdial migrate` first');
    }
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    url,
    embedded: embedded !== null,
    created: embedded?.created ?? false,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

export function describeDatabase(db: OpenDatabase, config: Readonly<Config>): string {
  if (!db.embedded) return 'PostgreSQL at DATABASE_URL';
  return `embedded PostgreSQL (data in ${path.relative(process.cwd(), config.dataDir) || '.'}, port ${config.embeddedPgPort})`;
}
