import { DataSource } from 'typeorm';

/** Arbitrary but fixed: every recdial process that migrates takes the same advisory lock. */
const MIGRATION_LOCK = 7_307_441_133;

/** Applies pending migrations under a session advisory lock so concurrent starts do not race. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
