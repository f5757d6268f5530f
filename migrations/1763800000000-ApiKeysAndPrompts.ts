import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (only the SHA-256 of each secret is stored) and stored prompt versions (version 0 is
 * the built-in default in code and never stored). Drafted with TypeORM's schema builder, then
 * reviewed.
 */
export class ApiKeysAndPrompts1763800000000 implements MigrationInterface {
  name = 'ApiKeysAndPrompts1763800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_keys" ("id" SERIAL NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "api_keys_role_check" CHECK ("role" IN ('operator', 'reader')), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "api_keys_name_key" ON "api_keys" ("name") `);
    await q.query(`CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys" ("secret_hash") `);
    await q.query(`CREATE TABLE "prompt_versions" ("id" SERIAL NOT NULL, "kind" text NOT NULL, "key" text NOT NULL, "version" integer NOT NULL, "content" text NOT NULL, "sha256" text NOT NULL, "note" text, "created_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "prompt_versions_version_check" CHECK ("version" >= 1), CONSTRAINT "prompt_versions_kind_check" CHECK ("kind" IN ('STEREOTYPE_SYSTEM', 'GOAL_TEMPLATE_INSTRUCTIONS')), CONSTRAINT "PK_5411972c2e9c63bd40530b80545" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "prompt_versions_kind_key_version_key" ON "prompt_versions" ("kind", "key", "version") `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "prompt_versions"`);
    await q.query(`DROP TABLE "api_keys"`);
  }
}
