import { MigrationInterface, QueryRunner } from 'typeorm';

/** Export jobs (startExport): format, options, filter, status, progress, files and report. */
export class Exports1764100000000 implements MigrationInterface {
  name = 'Exports1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "exports" ("id" SERIAL NOT NULL, "format" text NOT NULL, "options" jsonb NOT NULL, "filter" jsonb, "status" text NOT NULL DEFAULT 'QUEUED', "progress" double precision NOT NULL DEFAULT '0', "files" jsonb NOT NULL DEFAULT '[]', "report" jsonb, "error" text, "folder" text NOT NULL, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "heartbeat_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "exports_status_check" CHECK ("status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')), CONSTRAINT "PK_bcf8528d214cbfc68c01f337511" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "exports_created_idx" ON "exports"("created_at", "id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "exports"`);
  }
}
