import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `items(filter: { search })` folds accents as the dialogue search does: "Amelie" finds
 * "Amélie", "Celine" finds "Céline et Julie vont en bateau". Titles are matched word for word in
 * every language, so the configuration copies `simple` (no stemming, no stop words) and sends
 * word tokens through `unaccent` first — the same shape as `recdial_search` of
 * 1764300000000-DialogueSearch, whose comment says why folding belongs in the configuration.
 * The title index is rebuilt on the new configuration; `item.service.ts` names it the same way
 * so that the planner uses the index.
 */
export class ItemTitleSearch1765500000000 implements MigrationInterface {
  name = 'ItemTitleSearch1765500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    const [ext] = await q.query(`SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'`);
    await q.query(`CREATE TEXT SEARCH CONFIGURATION "recdial_title" (COPY = pg_catalog.simple)`);
    await q.query(`ALTER TEXT SEARCH CONFIGURATION "recdial_title" ALTER MAPPING FOR hword, hword_part, word WITH ${quoteIdent(ext.schema)}.unaccent, simple`);
    await q.query(`DROP INDEX "items_title_fts_idx"`);
    await q.query(`CREATE INDEX "items_title_fts_idx" ON "items" USING gin (to_tsvector('recdial_title', "title"))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "items_title_fts_idx"`);
    await q.query(`CREATE INDEX "items_title_fts_idx" ON "items" USING gin (to_tsvector('simple', "title"))`);
    await q.query(`DROP TEXT SEARCH CONFIGURATION "recdial_title"`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
