import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, Logger } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrate';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.RECDIAL_TEST_ADMIN_URL;
  if (!url) throw new Error('integration tests need the global setup (RECDIAL_TEST_ADMIN_URL)');
  return url;
}

/** A fresh, migrated database of its own for one test file, on the suite's real PostgreSQL. */
export async function createTestDatabase(options: { logger?: Logger } = {}): Promise<TestDatabase> {
  const name = `recdial_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString(), logger: options.logger, poolSize: 5 });
  await dataSource.initialize();
  await migrate(dataSource);
  return {
    url: url.toString(),
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
