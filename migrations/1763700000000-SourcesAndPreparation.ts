import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Raw Amazon Reviews 2023 tables, `recdial prepare`'s runs and user profiles, Amazon metadata on
 * items, users unique per domain, and one interaction per (user, item).
 * Drafted with TypeORM's schema builder, then reviewed.
 */
export class SourcesAndPreparation1763700000000 implements MigrationInterface {
  name = 'SourcesAndPreparation1763700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "amazon_reviews" ("id" BIGSERIAL NOT NULL, "domain" text NOT NULL, "user_id" text NOT NULL, "asin" text NOT NULL, "parent_asin" text NOT NULL, "rating" real NOT NULL, "timestamp_ms" bigint NOT NULL, "title" text NOT NULL DEFAULT '', "text" text NOT NULL DEFAULT '', "images" jsonb, "helpful_vote" integer, "verified_purchase" boolean, "extra" jsonb, CONSTRAINT "PK_30d77b7a0a0477ce5c73f5a6b28" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "amazon_metadata" ("id" SERIAL NOT NULL, "domain" text NOT NULL, "parent_asin" text NOT NULL, "main_category" text, "title" text, "average_rating" real, "rating_number" integer, "features" text array NOT NULL DEFAULT '{}', "description" text array NOT NULL DEFAULT '{}', "price" numeric, "store" text, "categories" text array NOT NULL DEFAULT '{}', "details" jsonb, "subtitle" text, "author" text, "extra" jsonb, CONSTRAINT "PK_835d864c28e799cf92b3b3c0b7f" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "amazon_metadata_domain_parent_asin_key" ON "amazon_metadata" ("domain", "parent_asin") `);
    await q.query(`CREATE TABLE "amazon_ratings" ("id" BIGSERIAL NOT NULL, "domain" text NOT NULL, "user_id" text NOT NULL, "parent_asin" text NOT NULL, "rating" real NOT NULL, "timestamp_ms" bigint NOT NULL, CONSTRAINT "PK_cea26e103303cc73c2f8b9f23b6" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "preparations" ("id" SERIAL NOT NULL, "domain" text NOT NULL, "strategy" text NOT NULL, "config" jsonb NOT NULL, "config_hash" text NOT NULL, "report" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "preparations_strategy_check" CHECK ("strategy" IN ('STEREOTYPE', 'GOAL_TEMPLATE')), CONSTRAINT "PK_b821aa801c36dc1176084d8ca10" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "user_profiles" ("user_id" integer NOT NULL, "strategy" text NOT NULL, "preparation_id" integer, "stereotype_id" smallint, "target_item_id" integer, "history_item_ids" integer array NOT NULL DEFAULT '{}', "liked_item_ids" integer array NOT NULL DEFAULT '{}', "disliked_item_ids" integer array NOT NULL DEFAULT '{}', "might_like_item_ids" integer array NOT NULL DEFAULT '{}', CONSTRAINT "user_profiles_strategy_check" CHECK ("strategy" IN ('STEREOTYPE', 'GOAL_TEMPLATE')), CONSTRAINT "PK_8387e13679ddb5fb99bd9d8d3a7" PRIMARY KEY ("user_id", "strategy"))`);
    await q.query(`CREATE INDEX "user_profiles_stereotype_idx" ON "user_profiles" ("stereotype_id", "user_id") `);
    await q.query(`CREATE INDEX "user_profiles_preparation_idx" ON "user_profiles" ("preparation_id") `);
    await q.query(`ALTER TABLE "items" ADD "description" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "items" ADD "features" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "items" ADD "categories" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "items" ADD "details" jsonb`);
    await q.query(`DROP INDEX "public"."users_source_id_key"`);
    await q.query(`CREATE INDEX "users_source_id_idx" ON "users" ("source_id") `);
    await q.query(`CREATE UNIQUE INDEX "users_domain_source_id_key" ON "users" ("domain", "source_id") `);
    await q.query(`CREATE UNIQUE INDEX "interactions_user_item_key" ON "interactions" ("user_id", "item_id") `);
    await q.query(`CREATE INDEX "dialogues_domain_idx" ON "dialogues" ("domain", "id") `);
    await q.query(`ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_preparation_fk" FOREIGN KEY ("preparation_id") REFERENCES "preparations"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_stereotype_fk" FOREIGN KEY ("stereotype_id") REFERENCES "stereotypes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_target_item_fk" FOREIGN KEY ("target_item_id") REFERENCES "items"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "user_profiles"`);
    await q.query(`DROP TABLE "preparations"`);
    await q.query(`DROP TABLE "amazon_ratings"`);
    await q.query(`DROP TABLE "amazon_metadata"`);
    await q.query(`DROP TABLE "amazon_reviews"`);
    await q.query(`DROP INDEX "public"."dialogues_domain_idx"`);
    await q.query(`DROP INDEX "public"."interactions_user_item_key"`);
    await q.query(`DROP INDEX "public"."users_domain_source_id_key"`);
    await q.query(`DROP INDEX "public"."users_source_id_idx"`);
    await q.query(`CREATE UNIQUE INDEX "users_source_id_key" ON "users" ("source_id") `);
    for (const column of ['details', 'categories', 'features', 'description']) await q.query(`ALTER TABLE "items" DROP COLUMN "${column}"`);
  }
}
