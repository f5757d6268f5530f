import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Judges (issue 15): JUDGE and COMPARE runs reuse generation_runs/generation_jobs and the queue;
 * rubric versions, judgements, pairwise verdicts and imported human ratings get their own tables.
 */
export class Judges1765100000000 implements MigrationInterface {
  name = 'Judges1765100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_role_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_role_check" CHECK ("role" IN ('TEACHER', 'STUDENT', 'JUDGE'))`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_kind_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_kind_check" CHECK ("kind" IN ('GENERATE', 'REGENERATE', 'JUDGE', 'COMPARE'))`);
    await q.query(`CREATE TABLE "rubric_versions" ("id" SERIAL NOT NULL, "key" text NOT NULL, "version" integer NOT NULL, "definition" jsonb NOT NULL, "sha256" text NOT NULL, "note" text, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "rubric_versions_version_check" CHECK ("version" >= 1), CONSTRAINT "PK_a07f5d509c7c006b1572abdc5ae" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "rubric_versions_key_version_key" ON "rubric_versions"  ("key", "version") `);
    await q.query(`CREATE TABLE "judgements" ("id" SERIAL NOT NULL, "dialogue_id" integer NOT NULL, "run_id" integer, "job_id" integer, "rubric_key" text NOT NULL, "rubric_version" integer NOT NULL, "rubric_sha256" text NOT NULL, "model" text NOT NULL, "prompt_sha256" text NOT NULL, "scores" jsonb NOT NULL, "utterance_scores" jsonb, "rationale" text, "provenance" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7ba5a452e0f781f85794caac188" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "judgements_job_key" ON "judgements"  ("job_id") `);
    await q.query(`CREATE INDEX "judgements_dialogue_idx" ON "judgements"  ("dialogue_id", "id") `);
    await q.query(`CREATE INDEX "judgements_rubric_dialogue_idx" ON "judgements"  ("rubric_key", "dialogue_id", "id") `);
    await q.query(`CREATE TABLE "comparison_verdicts" ("id" SERIAL NOT NULL, "run_id" integer NOT NULL, "job_id" integer, "pair" integer NOT NULL, "a_dialogue_id" integer NOT NULL, "b_dialogue_id" integer NOT NULL, "a_entry" integer NOT NULL, "b_entry" integer NOT NULL, "a_shown_first" boolean NOT NULL, "verdicts" jsonb NOT NULL, "rationale" text, "model" text NOT NULL, "prompt_sha256" text NOT NULL, "provenance" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_10644c7c1ec97dbbdd95d2ea458" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "comparison_verdicts_job_key" ON "comparison_verdicts"  ("job_id") `);
    await q.query(`CREATE INDEX "comparison_verdicts_run_idx" ON "comparison_verdicts"  ("run_id", "pair") `);
    await q.query(`CREATE TABLE "human_ratings" ("id" SERIAL NOT NULL, "dialogue_id" integer NOT NULL, "criterion" text NOT NULL, "rater" text NOT NULL, "score" double precision NOT NULL, "origin" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_89de1fa216e4f78261058242fa2" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "human_ratings_criterion_idx" ON "human_ratings"  ("criterion") `);
    await q.query(`CREATE UNIQUE INDEX "human_ratings_dialogue_criterion_rater_key" ON "human_ratings"  ("dialogue_id", "criterion", "rater") `);
    await q.query(`ALTER TABLE "generation_jobs" ADD "subject_id" integer`);
    await q.query(`CREATE INDEX "generation_jobs_subject_idx" ON "generation_jobs"  ("subject_id") `);
    await q.query(`ALTER TABLE "generation_jobs" ADD CONSTRAINT "generation_jobs_subject_fk" FOREIGN KEY ("subject_id") REFERENCES "dialogues"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "judgements" ADD CONSTRAINT "judgements_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "judgements" ADD CONSTRAINT "judgements_run_fk" FOREIGN KEY ("run_id") REFERENCES "generation_runs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "judgements" ADD CONSTRAINT "judgements_job_fk" FOREIGN KEY ("job_id") REFERENCES "generation_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "comparison_verdicts" ADD CONSTRAINT "comparison_verdicts_run_fk" FOREIGN KEY ("run_id") REFERENCES "generation_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "comparison_verdicts" ADD CONSTRAINT "comparison_verdicts_job_fk" FOREIGN KEY ("job_id") REFERENCES "generation_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "comparison_verdicts" ADD CONSTRAINT "comparison_verdicts_a_dialogue_fk" FOREIGN KEY ("a_dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "comparison_verdicts" ADD CONSTRAINT "comparison_verdicts_b_dialogue_fk" FOREIGN KEY ("b_dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "human_ratings" ADD CONSTRAINT "human_ratings_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "human_ratings"`);
    await q.query(`DROP TABLE "comparison_verdicts"`);
    await q.query(`DROP TABLE "judgements"`);
    await q.query(`DROP TABLE "rubric_versions"`);
    await q.query(`ALTER TABLE "generation_jobs" DROP COLUMN "subject_id"`);
    await q.query(`DELETE FROM "generation_runs" WHERE "kind" IN ('JUDGE', 'COMPARE')`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_kind_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_kind_check" CHECK ("kind" IN ('GENERATE', 'REGENERATE'))`);
    await q.query(`ALTER TABLE "generation_runs" DROP CONSTRAINT "generation_runs_role_check"`);
    await q.query(`ALTER TABLE "generation_runs" ADD CONSTRAINT "generation_runs_role_check" CHECK ("role" IN ('TEACHER', 'STUDENT'))`);
  }
}
