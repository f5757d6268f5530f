import { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored evaluations (evaluateRecommendations, evaluateGeneration): options, status, progress, result rows. */
export class Evaluations1764200000000 implements MigrationInterface {
  name = 'Evaluations1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "evaluations" ("id" SERIAL NOT NULL, "kind" text NOT NULL, "options" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'QUEUED', "results" jsonb NOT NULL DEFAULT '[]', "report" jsonb, "progress" double precision NOT NULL DEFAULT '0', "error" text, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "heartbeat_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "evaluations_kind_check" CHECK ("kind" IN ('RECOMMENDATION', 'GENERATION')), CONSTRAINT "evaluations_status_check" CHECK ("status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')), CONSTRAINT "PK_f683b433eba0e6dae7e19b29e29" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "evaluations_created_idx" ON "evaluations"("created_at", "id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "evaluations"`);
  }
}
