import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generation runs, their jobs (one per dialogue to write) and every attempt; generated dialogues
 * point at their run and job (unique: a job stores at most one dialogue). The queue itself lives
 * in pg-boss's own schema. Drafted with TypeORM's schema builder, then reviewed.
 */
export class Generation1763900000000 implements MigrationInterface {
  name = 'Generation1763900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "generation_runs" ("id" SERIAL NOT NULL, "status" text NOT NULL DEFAULT 'QUEUED', "kind" text NOT NULL, "role" text NOT NULL, "strategy" text NOT NULL, "model" text NOT NULL, "endpoint" text NOT NULL, "served_models" text array NOT NULL DEFAULT '{}', "config" jsonb NOT NULL, "config_hash" text NOT NULL, "requested" integer NOT NULL, "priority" integer NOT NULL DEFAULT '0', "reason" text, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "generation_runs_kind_check" CHECK ("kind" IN ('GENERATE', 'REGENERATE')), CONSTRAINT "generation_runs_role_check" CHECK ("role" IN ('TEACHER', 'STUDENT')), CONSTRAINT "generation_runs_status_check" CHECK ("status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')), CONSTRAINT "PK_c1d0235db87147dcb41917e0e6b" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "generation_runs_created_idx" ON "generation_runs"("created_at", "id")`);
    await q.query(`CREATE TABLE "generation_jobs" ("id" SERIAL NOT NULL, "run_id" integer NOT NULL, "key" text NOT NULL, "user_id" integer, "stereotype_id" smallint, "target_item_id" integer, "instance" integer, "supersedes_id" integer, "status" text NOT NULL DEFAULT 'QUEUED', "attempts" integer NOT NULL DEFAULT '0', "dialogue_id" integer, "queue_job_id" uuid NOT NULL, "last_error" jsonb, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "generation_jobs_status_check" CHECK ("status" IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'SKIPPED', 'CANCELLED')), CONSTRAINT "PK_6b6b705e0fed45c8440c1d7d637" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "generation_jobs_supersedes_idx" ON "generation_jobs"("supersedes_id")`);
    await q.query(`CREATE INDEX "generation_jobs_run_status_idx" ON "generation_jobs"("run_id", "status")`);
    await q.query(`CREATE UNIQUE INDEX "generation_jobs_run_key_key" ON "generation_jobs"("run_id", "key")`);
    await q.query(`CREATE TABLE "generation_attempts" ("id" SERIAL NOT NULL, "run_id" integer NOT NULL, "job_id" integer NOT NULL, "attempt" integer NOT NULL, "outcome" text NOT NULL, "retryable" boolean NOT NULL DEFAULT false, "http_status" integer, "message" text, "latency_ms" integer, "worker" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1ad5af9cf16f6305573752c5d16" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "generation_attempts_run_error_idx" ON "generation_attempts"("run_id", "id")`);
    await q.query(`CREATE INDEX "generation_attempts_job_idx" ON "generation_attempts"("job_id", "attempt")`);
    await q.query(`ALTER TABLE "dialogues" ADD "generation_run_id" integer`);
    await q.query(`ALTER TABLE "dialogues" ADD "generation_job_id" integer`);
    await q.query(`ALTER TABLE "dialogues" ADD "content_hash" text`);
    await q.query(`CREATE UNIQUE INDEX "dialogues_generation_job_key" ON "dialogues"("generation_job_id")`);
    await q.query(`CREATE INDEX "dialogues_run_content_idx" ON "dialogues"("generation_run_id", "content_hash")`);
    await q.query(`CREATE INDEX "dialogues_generation_run_idx" ON "dialogues"("generation_run_id", "id")`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_generation_run_fk" FOREIGN KEY ("generation_run_id") REFERENCES "generation_runs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_generation_job_fk" FOREIGN KEY ("generation_job_id") REFERENCES "generation_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_run_fk" FOREIGN KEY ("run_id") REFERENCES "generation_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_stereotype_fk" FOREIGN KEY ("stereotype_id") REFERENCES "stereotypes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_target_item_fk" FOREIGN KEY ("target_item_id") REFERENCES "items"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_supersedes_fk" FOREIGN KEY ("supersedes_id") REFERENCES "dialogues"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_attempts" ADD CONSTRAINT "generation_attempts_run_fk" FOREIGN KEY ("run_id") REFERENCES "generation_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "generation_attempts" ADD CONSTRAINT "generation_attempts_job_fk" FOREIGN KEY ("job_id") REFERENCES "generation_jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "dialogues" DROP CONSTRAINT "dialogues_generation_job_fk"`);
    await q.query(`ALTER TABLE "dialogues" DROP CONSTRAINT "dialogues_generation_run_fk"`);
    await q.query(`DROP TABLE "generation_attempts"`);
    await q.query(`DROP TABLE "generation_jobs"`);
    await q.query(`DROP TABLE "generation_runs"`);
    await q.query(`ALTER TABLE "dialogues" DROP COLUMN "content_hash", DROP COLUMN "generation_job_id", DROP COLUMN "generation_run_id"`);
  }
}
