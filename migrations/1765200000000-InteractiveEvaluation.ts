import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Interactive evaluation of a CRS (issue 15 §5): a SIMULATOR role plays the seeker in INTERACTIVE
 * runs, each conversation is stored as a SIMULATED dialogue, and the results are an INTERACTIVE
 * evaluation. Only CHECK constraints change.
 */
export class InteractiveEvaluation1765200000000 implements MigrationInterface {
  name = 'InteractiveEvaluation1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "dialogues" DROP CONSTRAINT "dialogues_source_check"`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_source_check" CHECK ("source" IN ('IMPORTED', 'TEACHER', 'STUDENT', 'SIMULATED'))`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_role_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_role_check" CHECK ("role" IN ('TEACHER', 'STUDENT', 'SIMULATOR', 'JUDGE'))`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_kind_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_kind_check" CHECK ("kind" IN ('GENERATE', 'REGENERATE', 'INTERACTIVE', 'JUDGE', 'COMPARE'))`);
    await q.query(`ALTER TABLE "evaluations" DROP CONSTRAINT "evaluations_kind_check"`);
    await q.query(`ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_kind_check" CHECK ("kind" IN ('RECOMMENDATION', 'GENERATION', 'INTERACTIVE'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "evaluations" WHERE "kind" = 'INTERACTIVE'`);
    await q.query(`ALTER TABLE "evaluations" DROP CONSTRAINT "evaluations_kind_check"`);
    await q.query(`ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_kind_check" CHECK ("kind" IN ('RECOMMENDATION', 'GENERATION'))`);
    await q.query(`DELETE FROM "dialogues" WHERE "source" = 'SIMULATED'`);
    await q.query(`DELETE FROM "generation_runs" WHERE "kind" = 'INTERACTIVE' OR "role" = 'SIMULATOR'`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_kind_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_kind_check" CHECK ("kind" IN ('GENERATE', 'REGENERATE', 'JUDGE', 'COMPARE'))`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_role_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_role_check" CHECK ("role" IN ('TEACHER', 'STUDENT', 'JUDGE'))`);
    await q.query(`ALTER TABLE "dialogues" DROP CONSTRAINT "dialogues_source_check"`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_source_check" CHECK ("source" IN ('IMPORTED', 'TEACHER', 'STUDENT'))`);
  }
}
