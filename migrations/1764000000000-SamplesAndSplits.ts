import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named user samples (the teacher sample of docs/pipeline.md §6.1, stored so that the student run can
 * leave it out), the record of every split assignment (§9), and each dialogue's line within its
 * split (the shuffled order the release files are written in). Drafted with TypeORM's schema
 * builder, then reviewed.
 */
export class SamplesAndSplits1764000000000 implements MigrationInterface {
  name = 'SamplesAndSplits1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "user_samples" ("id" SERIAL NOT NULL, "name" text NOT NULL, "kind" text NOT NULL DEFAULT 'TEACHER', "fraction" double precision NOT NULL, "seed" integer NOT NULL, "stereotype_order" smallint array NOT NULL, "generation_run_id" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_samples_kind_check" CHECK ("kind" IN ('TEACHER')), CONSTRAINT "PK_8ee0c920634b2491fb4febce12d" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "user_samples_name_key" ON "user_samples"("name")`);
    await q.query(`CREATE TABLE "user_sample_members" ("sample_id" integer NOT NULL, "user_id" integer NOT NULL, "stereotype_id" smallint NOT NULL, CONSTRAINT "user_sample_members_pkey" PRIMARY KEY ("sample_id", "user_id"))`);
    await q.query(`CREATE INDEX "user_sample_members_user_idx" ON "user_sample_members"("user_id")`);
    await q.query(`CREATE TABLE "split_assignments" ("id" SERIAL NOT NULL, "seed" integer NOT NULL, "ratios" jsonb NOT NULL, "selection" jsonb NOT NULL, "population" integer NOT NULL, "units" integer NOT NULL, "counts" jsonb NOT NULL, "warnings" jsonb NOT NULL DEFAULT '[]', "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_66306b1ccff37f58f9a128c3b48" PRIMARY KEY ("id"))`);
    await q.query(`ALTER TABLE "dialogues" ADD "split_position" integer`);
    await q.query(`ALTER TABLE "user_samples" ADD CONSTRAINT "user_samples_generation_run_fk" FOREIGN KEY ("generation_run_id") REFERENCES "generation_runs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_sample_members" ADD CONSTRAINT "user_sample_members_sample_fk" FOREIGN KEY ("sample_id") REFERENCES "user_samples"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_sample_members" ADD CONSTRAINT "user_sample_members_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_sample_members" ADD CONSTRAINT "user_sample_members_stereotype_fk" FOREIGN KEY ("stereotype_id") REFERENCES "stereotypes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "user_sample_members"`);
    await q.query(`DROP TABLE "user_samples"`);
    await q.query(`DROP TABLE "split_assignments"`);
    await q.query(`ALTER TABLE "dialogues" DROP COLUMN "split_position"`);
  }
}
