import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dialogue-level full-text search (issue 18 part 5): one search document per dialogue, so that
 * `filter.search` matches a dialogue when its terms occur anywhere in it (any turns), with
 * accents and case folded.
 *
 * - `recdial_search`: a text search configuration copied from `english` whose non-ASCII word
 *   tokens go through the `unaccent` dictionary before the stemmer (the pattern of the
 *   PostgreSQL manual's unaccent chapter). Folding in the configuration rather than calling
 *   unaccent() on the text keeps `to_tsvector(regconfig, text)` immutable and lets `ts_headline`
 *   highlight "Céline" for the query "Celine" while showing the original text.
 * - `dialogue_search`: the document of each dialogue (its turns' text in order), GIN-indexed.
 *   A table of its own rather than a column on `dialogues`, so that the many scans of dialogues
 *   (exports, statistics) do not carry the tsvectors.
 * - Statement-level triggers on `turns` recompute the documents of the dialogues a statement
 *   touched, whatever wrote them (importers publishing from their staging tables, the
 *   generation worker, a replacing import); one set-based recompute per statement keeps bulk
 *   imports cheap.
 * - `recdial_search_ids(tsquery)`: the matching dialogue ids, always from the GIN index.
 * - The per-turn index `turns_text_fts_idx` served the old turn-level search only; it goes.
 */
export class DialogueSearch1764300000000 implements MigrationInterface {
  name = 'DialogueSearch1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    // unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    const [ext] = await q.query(`SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'`);
    const dictionary = `${quoteIdent(ext.schema)}.unaccent`;
    await q.query(`CREATE TEXT SEARCH CONFIGURATION "recdial_search" (COPY = pg_catalog.english)`);
    await q.query(`ALTER TEXT SEARCH CONFIGURATION "recdial_search" ALTER MAPPING FOR hword, hword_part, word WITH ${dictionary}, english_stem`);

    await q.query(`CREATE TABLE "dialogue_search" ("dialogue_id" integer NOT NULL, "document" tsvector NOT NULL, CONSTRAINT "dialogue_search_pkey" PRIMARY KEY ("dialogue_id"), CONSTRAINT "dialogue_search_dialogue_fk" FOREIGN KEY ("dialogue_id") REFERENCES "dialogues"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "dialogue_search_document_idx" ON "dialogue_search" USING gin ("document")`);

    // The configuration is named with its schema so that the trigger does not depend on the
    // search_path of whoever writes turns. Only a dialogue's first 250,000 characters make its
    // document: a tsvector cannot exceed 1 MB (250,000 characters of distinct words stay well
    // under), and an import must not fail on one huge dialogue.
    const [{ schema }] = await q.query(`SELECT current_schema() AS schema`);
    const config = `${quoteIdent(schema)}.recdial_search`;
    const documents = (touched: string) => `
      SELECT t.dialogue_id, to_tsvector('${config}'::regconfig, left(string_agg(t.text, E'\\n' ORDER BY t.idx), 250000))
        FROM (SELECT DISTINCT dialogue_id FROM ${touched}) n JOIN turns t ON t.dialogue_id = n.dialogue_id
       GROUP BY t.dialogue_id`;
    const refresh = (touched: string) => `
      WITH touched AS (SELECT DISTINCT dialogue_id FROM ${touched}),
           emptied AS (DELETE FROM dialogue_search s USING touched x
                        WHERE s.dialogue_id = x.dialogue_id AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.dialogue_id = x.dialogue_id))
      INSERT INTO dialogue_search (dialogue_id, document) ${documents('touched')}
      ON CONFLICT (dialogue_id) DO UPDATE SET document = EXCLUDED.document`;
    await q.query(`
      CREATE FUNCTION "recdial_dialogue_search_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Dialogues left without turns (or deleted with them) lose their document.
        IF TG_OP = 'INSERT' THEN ${refresh('new_turns')};
        ELSIF TG_OP = 'DELETE' THEN ${refresh('old_turns')};
        ELSE ${refresh('(SELECT dialogue_id FROM old_turns UNION SELECT dialogue_id FROM new_turns) u')};
        END IF;
        RETURN NULL;
      END $$`);
    // The dialogues whose document matches a query, always through the GIN index. The planner
    // prices `document @@ q` in a sequential scan like any cheap operator, not seeing that it
    // detoasts every document: for a common term it picked that scan (about 1 s per 100,000
    // dialogues), and for a rare term paged in id order it walked the whole table in id order.
    // A bitmap scan of the index reads only the matches' narrow heap rows, so the cost follows
    // the matches. A function with its own setting is not inlined, hence the wrapper.
    await q.query(`
      CREATE FUNCTION "recdial_search_ids"(q tsquery) RETURNS SETOF integer
        LANGUAGE sql STABLE PARALLEL SAFE ROWS 1000 SET enable_seqscan = off
        AS $$ SELECT dialogue_id FROM ${quoteIdent(schema)}.dialogue_search WHERE document @@ q $$`);

    // Transition tables allow one event per trigger, hence three triggers.
    await q.query(`CREATE TRIGGER "turns_search_insert" AFTER INSERT ON "turns" REFERENCING NEW TABLE AS new_turns FOR EACH STATEMENT EXECUTE FUNCTION "recdial_dialogue_search_refresh"()`);
    await q.query(`CREATE TRIGGER "turns_search_update" AFTER UPDATE ON "turns" REFERENCING OLD TABLE AS old_turns NEW TABLE AS new_turns FOR EACH STATEMENT EXECUTE FUNCTION "recdial_dialogue_search_refresh"()`);
    await q.query(`CREATE TRIGGER "turns_search_delete" AFTER DELETE ON "turns" REFERENCING OLD TABLE AS old_turns FOR EACH STATEMENT EXECUTE FUNCTION "recdial_dialogue_search_refresh"()`);

    await q.query(`
      INSERT INTO dialogue_search (dialogue_id, document) ${documents('turns')}`);
    await q.query(`DROP INDEX IF EXISTS "turns_text_fts_idx"`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "turns_text_fts_idx" ON "turns" USING gin (to_tsvector('english', "text"))`);
    await q.query(`DROP TRIGGER "turns_search_insert" ON "turns"`);
    await q.query(`DROP TRIGGER "turns_search_update" ON "turns"`);
    await q.query(`DROP TRIGGER "turns_search_delete" ON "turns"`);
    await q.query(`DROP FUNCTION "recdial_dialogue_search_refresh"()`);
    await q.query(`DROP FUNCTION "recdial_search_ids"(tsquery)`);
    await q.query(`DROP TABLE "dialogue_search"`);
    await q.query(`DROP TEXT SEARCH CONFIGURATION "recdial_search"`);
    // The unaccent extension stays: other objects of the database may use it.
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
