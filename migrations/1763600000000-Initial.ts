import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dataset schema: catalogue (items, knowledge graph), users and interactions, stereotypes,
 * dialogues with turns and item mentions, settings and import runs.
 * Drafted with TypeORM's schema builder, then reviewed: expression indexes for full-text search
 * and array filters added by hand, stereotypes seeded (docs/pipeline.md §3.1–§3.2).
 */
export class Initial1763600000000 implements MigrationInterface {
  name = 'Initial1763600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "items" ("id" SERIAL NOT NULL, "asin" text NOT NULL, "domain" text NOT NULL DEFAULT 'Movies_and_TV', "title" text NOT NULL, "cleaned_title" text NOT NULL, "genres" text array NOT NULL DEFAULT '{}', "keywords" text array NOT NULL DEFAULT '{}', "cast" text array NOT NULL DEFAULT '{}', "directors" text array NOT NULL DEFAULT '{}', "overview" text, "collection" text, "countries" text array NOT NULL DEFAULT '{}', "visual_caption" text, "tmdb_id" integer, "metadata" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ba5885359424c15ca6b9e79bcf6" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "items_asin_key" ON "items" ("asin") `);
    await q.query(`CREATE INDEX "items_domain_id_idx" ON "items" ("domain", "id") `);
    await q.query(`CREATE TABLE "stereotypes" ("id" smallint NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "description" text NOT NULL, "preference_expression" text NOT NULL, "intention_clarity" text NOT NULL, "features" jsonb NOT NULL, CONSTRAINT "PK_d1bcfc81a59f31b3c6b50490a48" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "stereotypes_key_key" ON "stereotypes" ("key") `);
    await q.query(`CREATE TABLE "users" ("id" SERIAL NOT NULL, "source_id" text NOT NULL, "domain" text NOT NULL DEFAULT 'Movies_and_TV', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "users_source_id_key" ON "users" ("source_id") `);
    await q.query(`CREATE TABLE "dialogues" ("id" SERIAL NOT NULL, "dataset" text NOT NULL, "domain" text NOT NULL DEFAULT 'Movies_and_TV', "stereotype_id" smallint, "user_id" integer, "target_item_id" integer, "target_raw_id" text, "split" text, "source" text NOT NULL, "status" text NOT NULL DEFAULT 'ACCEPTED', "strategy" text NOT NULL DEFAULT 'STEREOTYPE', "model" text, "provenance" jsonb NOT NULL DEFAULT '{}', "rejection_reasons" jsonb NOT NULL DEFAULT '[]', "warnings" jsonb NOT NULL DEFAULT '[]', "named_item_ids" text array NOT NULL DEFAULT '{}', "version" integer NOT NULL DEFAULT '1', "supersedes_id" integer, "import_key" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "dialogues_status_check" CHECK ("status" IN ('ACCEPTED', 'REJECTED', 'SUPERSEDED')), CONSTRAINT "dialogues_source_check" CHECK ("source" IN ('IMPORTED', 'TEACHER', 'STUDENT')), CONSTRAINT "dialogues_split_check" CHECK ("split" IN ('train', 'valid', 'test')), CONSTRAINT "PK_6746abe5bef7ba5c9f006569462" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "dialogues_import_key_key" ON "dialogues" ("import_key") `);
    await q.query(`CREATE INDEX "dialogues_supersedes_idx" ON "dialogues" ("supersedes_id") `);
    await q.query(`CREATE INDEX "dialogues_target_raw_idx" ON "dialogues" ("target_raw_id") `);
    await q.query(`CREATE INDEX "dialogues_target_idx" ON "dialogues" ("target_item_id", "id") `);
    await q.query(`CREATE INDEX "dialogues_user_idx" ON "dialogues" ("user_id", "id") `);
    await q.query(`CREATE INDEX "dialogues_source_idx" ON "dialogues" ("source", "id") `);
    await q.query(`CREATE INDEX "dialogues_dataset_idx" ON "dialogues" ("dataset", "id") `);
    await q.query(`CREATE INDEX "dialogues_split_idx" ON "dialogues" ("split", "id") `);
    await q.query(`CREATE INDEX "dialogues_stereotype_idx" ON "dialogues" ("stereotype_id", "id") `);
    await q.query(`CREATE INDEX "dialogues_status_id_idx" ON "dialogues" ("status", "id") `);
    await q.query(`CREATE TABLE "import_runs" ("id" SERIAL NOT NULL, "kind" text NOT NULL, "files" jsonb NOT NULL DEFAULT '[]', "counts" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2f4f95d6fde4a7602f6b79f10e8" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "interactions" ("id" SERIAL NOT NULL, "user_id" integer NOT NULL, "item_id" integer NOT NULL, "rating" real NOT NULL, "timestamp_ms" bigint NOT NULL, "review_title" text, "review_text" text, "extra" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_911b7416a6671b4148b18c18ecb" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "interactions_item_idx" ON "interactions" ("item_id") `);
    await q.query(`CREATE INDEX "interactions_user_time_idx" ON "interactions" ("user_id", "timestamp_ms", "id") `);
    await q.query(`CREATE TABLE "kg_entities" ("id" SERIAL NOT NULL, "key" text NOT NULL, "type" text NOT NULL, "name" text NOT NULL, CONSTRAINT "PK_0d783188769597bf7f92c3dccac" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "kg_entities_key_key" ON "kg_entities" ("key") `);
    await q.query(`CREATE TABLE "item_entities" ("item_id" integer NOT NULL, "relation" text NOT NULL, "entity_id" integer NOT NULL, "position" integer NOT NULL, CONSTRAINT "PK_fc349463ec0c8393f4011ddc9f6" PRIMARY KEY ("item_id", "relation", "entity_id"))`);
    await q.query(`CREATE INDEX "item_entities_entity_idx" ON "item_entities" ("entity_id") `);
    await q.query(`CREATE TABLE "settings" ("key" text NOT NULL, "value" jsonb NOT NULL, CONSTRAINT "PK_c8639b7626fa94ba8265628f214" PRIMARY KEY ("key"))`);
    await q.query(`CREATE TABLE "turns" ("id" SERIAL NOT NULL, "dialogue_id" integer NOT NULL, "idx" integer NOT NULL, "role" text NOT NULL, "text" text NOT NULL, "raw_text" text, CONSTRAINT "turns_role_check" CHECK ("role" IN ('USER', 'ASSISTANT')), CONSTRAINT "PK_66edaea493f45e3c39d7c3553ed" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "turns_dialogue_index_key" ON "turns" ("dialogue_id", "idx") `);
    await q.query(`CREATE TABLE "turn_mentions" ("id" SERIAL NOT NULL, "turn_id" integer NOT NULL, "dialogue_id" integer NOT NULL, "item_id" integer, "raw_id" text NOT NULL, "start_offset" integer NOT NULL, "end_offset" integer NOT NULL, "is_recommendation" boolean NOT NULL DEFAULT false, "is_first_mention" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_4cc3ee427eda8f943c6ac00b6f4" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "turn_mentions_raw_idx" ON "turn_mentions" ("raw_id") `);
    await q.query(`CREATE INDEX "turn_mentions_item_idx" ON "turn_mentions" ("item_id", "dialogue_id") `);
    await q.query(`CREATE INDEX "turn_mentions_dialogue_idx" ON "turn_mentions" ("dialogue_id") `);
    await q.query(`CREATE INDEX "turn_mentions_turn_idx" ON "turn_mentions" ("turn_id") `);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_stereotype_fk" FOREIGN KEY ("stereotype_id") REFERENCES "stereotypes"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_target_item_fk" FOREIGN KEY ("target_item_id") REFERENCES "items"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "dialogues" ADD CONSTRAINT "dialogues_supersedes_fk" FOREIGN KEY ("supersedes_id") REFERENCES "dialogues"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "interactions" ADD CONSTRAINT "interactions_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "interactions" ADD CONSTRAINT "interactions_item_fk" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "item_entities" ADD CONSTRAINT "item_entities_item_fk" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "item_entities" ADD CONSTRAINT "item_entities_entity_fk" FOREIGN KEY ("entity_id") REFERENCES "kg_entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "turns" ADD CONSTRAINT "turns_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "turn_mentions" ADD CONSTRAINT "turn_mentions_turn_fk" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "turn_mentions" ADD CONSTRAINT "turn_mentions_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "turn_mentions" ADD CONSTRAINT "turn_mentions_item_fk" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    // Not expressible as entity indexes; entities mark them `synchronize: false`.
    await q.query(`CREATE INDEX "turns_text_fts_idx" ON "turns" USING gin (to_tsvector('english', "text"))`);
    await q.query(`CREATE INDEX "items_genres_idx" ON "items" USING gin ("genres")`);
    await q.query(`CREATE INDEX "items_title_fts_idx" ON "items" USING gin (to_tsvector('simple', "title"))`);
    for (const s of STEREOTYPES) {
      await q.query(
        `INSERT INTO "stereotypes" ("id", "key", "name", "description", "preference_expression", "intention_clarity", "features")
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [s.id, s.key, s.name, s.description, s.preferenceExpression, s.intentionClarity, JSON.stringify(s.features)],
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['turn_mentions', 'turns', 'item_entities', 'kg_entities', 'interactions', 'dialogues', 'import_runs', 'settings', 'users', 'stereotypes', 'items']) {
      await q.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    }
  }
}

const ALL_TARGET = ['Genres', 'Keywords', 'Actors', 'Directors', 'Overview', 'Collection', 'Visual Caption'];

/** The five stereotypes of the DistillRecDial release, in canonical (draw) order. */
const STEREOTYPES = [
  {
    id: 1, key: 'Cold-Start Browser', name: 'Curious Newcomer',
    description: 'No usable history; a loose, mood-driven request.',
    preferenceExpression: 'None', intentionClarity: 'Vague',
    features: { historyBlock: false, historyFeatures: [], targetVisibility: 'full', targetFeatures: ['Genres', 'Keywords'] },
  },
  {
    id: 2, key: 'Cold-Start Task-Oriented', name: 'Focused Newcomer',
    description: 'No usable history; a precise request.',
    preferenceExpression: 'None', intentionClarity: 'Specific',
    features: { historyBlock: false, historyFeatures: [], targetVisibility: 'full', targetFeatures: ALL_TARGET },
  },
  {
    id: 3, key: 'History-Only Explorer', name: 'History-Based Browser',
    description: 'A history but no stated goal.',
    preferenceExpression: 'Implicit', intentionClarity: 'None',
    features: { historyBlock: true, historyFeatures: ['Genres', 'Keywords'], targetVisibility: 'titleAndId', targetFeatures: [] },
  },
  {
    id: 4, key: 'History + Hint Seeker', name: 'Guided Explorer',
    description: 'A history plus a hint of a new direction.',
    preferenceExpression: 'Implicit', intentionClarity: 'Vague',
    features: { historyBlock: true, historyFeatures: ['Genres', 'Keywords'], targetVisibility: 'full', targetFeatures: ['Genres', 'Keywords'] },
  },
  {
    id: 5, key: 'Fully Expressive Seeker', name: 'Preference-Driven Searcher',
    description: 'A history and detailed, explicit preferences.',
    preferenceExpression: 'Explicit', intentionClarity: 'Specific',
    features: {
      historyBlock: true,
      historyFeatures: ['Genres', 'Keywords', 'Actors', 'Directors', 'Overview', 'Review', 'Collection', 'Visual Caption'],
      targetVisibility: 'full',
      targetFeatures: ['Genres', 'Keywords', 'Actors', 'Directors', 'Overview', 'Review', 'Collection', 'Visual Caption'],
    },
  },
];
