import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose changes can change what datasetStatistics, diversity and the baselines compute. */
const DATASET_TABLES = ['dialogues', 'turns', 'turn_mentions', 'items', 'users', 'interactions'];

/**
 * - `owner_lock` on exports and evaluations: the advisory-lock key of the API process running the
 *   job, so that any server can tell a job whose process died (its lock is gone from pg_locks).
 * - A statement-level trigger on the dataset's tables that notifies `recdial_dataset_changed`:
 *   NOTIFY is delivered at commit (and deduplicated per transaction), so the API's statistics
 *   cache is dropped exactly when a change becomes visible, whoever wrote it (imports, workers).
 */
export class JobOwnersAndDatasetChanges1764500000000 implements MigrationInterface {
  name = 'JobOwnersAndDatasetChanges1764500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "exports" ADD "owner_lock" bigint`);
    await q.query(`ALTER TABLE "evaluations" ADD "owner_lock" bigint`);
    await q.query(`CREATE FUNCTION recdial_notify_dataset_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('recdial_dataset_changed', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    for (const table of DATASET_TABLES) {
      await q.query(`CREATE TRIGGER "${table}_dataset_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION recdial_notify_dataset_changed()`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of DATASET_TABLES) await q.query(`DROP TRIGGER "${table}_dataset_changed" ON "${table}"`);
    await q.query(`DROP FUNCTION recdial_notify_dataset_changed()`);
    await q.query(`ALTER TABLE "evaluations" DROP COLUMN "owner_lock"`);
    await q.query(`ALTER TABLE "exports" DROP COLUMN "owner_lock"`);
  }
}
