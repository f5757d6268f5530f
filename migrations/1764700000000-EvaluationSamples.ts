import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-sample rows of stored evaluations (docs/metrics.md §9.2): paged through the API, exported as JSONL, paired by compareEvaluations. */
export class EvaluationSamples1764700000000 implements MigrationInterface {
  name = 'EvaluationSamples1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "evaluation_samples" ("evaluation_id" integer NOT NULL, "seq" integer NOT NULL, "model" text NOT NULL, "mode" text NOT NULL, "split" text, "stereotype" text, "sample_key" text NOT NULL, "dialogue_id" integer, "turn_index" integer, "gold" text, "predicted" boolean NOT NULL, "values" jsonb NOT NULL, CONSTRAINT "evaluation_samples_pk" PRIMARY KEY ("evaluation_id", "seq"), CONSTRAINT "evaluation_samples_evaluation_fk" FOREIGN KEY ("evaluation_id") REFERENCES "evaluations"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "evaluation_samples_key_idx" ON "evaluation_samples" ("evaluation_id", "model", "mode", "sample_key")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "evaluation_samples"`);
  }
}
