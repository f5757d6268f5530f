import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import { reresolveReleaseDialogues } from './distillrecdial.load';
import { ImportError, InputFileError } from './errors';
import { ErrorCollector, ImportedFile, importedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { readJsonArray } from './json-array';
import { Progress } from './progress';
import { parseTmdbRecord, TmdbItem } from './tmdb';

export interface TmdbImportSummary {
  importRunId: number;
  file: ImportedFile;
  items: number;
  entities: number;
  links: number;
  skipped: number;
  flagged: number;
  dialoguesResolved: number;
}

const BATCH = 1000;

async function flush(tx: ImportTransaction, batch: Array<{ item: TmdbItem; raw: unknown }>): Promise<void> {
  if (!batch.length) return;
  await copyRows(
    tx.client,
    {
      table: '_tmdb_items',
      columns: [
        { name: 'asin' }, { name: 'title' }, { name: 'cleaned_title' }, { name: 'genres', kind: 'array' }, { name: 'keywords', kind: 'array' },
        { name: 'cast', kind: 'array' }, { name: 'directors', kind: 'array' }, { name: 'overview' }, { name: 'collection' },
        { name: 'countries', kind: 'array' }, { name: 'visual_caption' }, { name: 'tmdb_id' }, { name: 'metadata', kind: 'json' },
      ],
    },
    batch.map(({ item, raw }): CopyValue[] => [
      item.asin, item.title, item.cleanedTitle, item.genres, item.keywords, item.cast, item.directors, item.overview,
      item.collection, item.countries, item.visualCaption, item.tmdbId, raw as Record<string, unknown>,
    ]),
  );
  await copyRows(
    tx.client,
    { table: '_tmdb_kg', columns: [{ name: 'asin' }, { name: 'key' }, { name: 'type' }, { name: 'name' }, { name: 'relation' }, { name: 'position' }] },
    batch.flatMap(({ item }) => item.kg.map((e): CopyValue[] => [item.asin, e.key, e.type, e.name, e.relation, e.position])),
  );
}

/**
 * `recdial import tmdb <tmdb_movies.json>`: items with their TMDB features and the knowledge
 * graph. Re-importing updates items in place; an item's KG links are replaced as a whole.
 */
export async function importTmdb(dataSource: DataSource, file: string, options: ImportOptions = {}): Promise<TmdbImportSummary> {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputFileError(file, 'is a directory; give the path of a file');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InputFileError(file, 'no such file');
  const errors = new ErrorCollector(options.maxErrors ?? 0);
  return inImportTransaction(dataSource, async (tx) => {
    await tx.manager.query(`CREATE TEMP TABLE _tmdb_items (asin text PRIMARY KEY, title text, cleaned_title text, genres text[], keywords text[],
        "cast" text[], directors text[], overview text, collection text, countries text[], visual_caption text, tmdb_id int, metadata jsonb) ON COMMIT DROP`);
    await tx.manager.query('CREATE TEMP TABLE _tmdb_kg (asin text, key text, type text, name text, relation text, position int) ON COMMIT DROP');
    const reader = readJsonArray(file);
    const progress = new Progress(`import ${path.basename(file)}`, null, options.quiet);
    const seen = new Set<string>();
    let batch: Array<{ item: TmdbItem; raw: unknown }> = [];
    let read = 0;
    let flagged = 0;
    for await (const element of reader) {
      const item = errors.attempt(file, element.line, () => {
        const parsed = parseTmdbRecord(element.value);
        if (seen.has(parsed.asin)) {
          throw new ImportError(file, element.line, 'asin', `duplicate item "${parsed.asin}"; the first record wins`, 'DUPLICATE_ITEM');
        }
        return parsed;
      });
      if (!item) continue;
      seen.add(item.asin);
      read++;
      if (item.flags.length) flagged++;
      batch.push({ item, raw: element.value });
      if (batch.length >= BATCH) {
        await flush(tx, batch);
        batch = [];
      }
      progress.update(read, read);
    }
    await flush(tx, batch);
    const digest = await reader.digest();
    progress.finish(`${read.toLocaleString('en')} items read`);

    await tx.manager.query(`
      INSERT INTO items (asin, domain, title, cleaned_title, genres, keywords, "cast", directors, overview, collection, countries, visual_caption, tmdb_id, metadata)
      SELECT asin, 'Movies_and_TV', title, cleaned_title, genres, keywords, "cast", directors, overview, collection, countries, visual_caption, tmdb_id, metadata
        FROM _tmdb_items ORDER BY asin
      ON CONFLICT (asin) DO UPDATE SET title = EXCLUDED.title, cleaned_title = EXCLUDED.cleaned_title, genres = EXCLUDED.genres,
        keywords = EXCLUDED.keywords, "cast" = EXCLUDED."cast", directors = EXCLUDED.directors, overview = EXCLUDED.overview,
        collection = EXCLUDED.collection, countries = EXCLUDED.countries, visual_caption = EXCLUDED.visual_caption,
        tmdb_id = EXCLUDED.tmdb_id, metadata = EXCLUDED.metadata, updated_at = now()
      WHERE (items.title, items.genres, items.keywords, items."cast", items.directors, items.overview, items.collection, items.countries, items.visual_caption, items.tmdb_id, items.metadata)
            IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.genres, EXCLUDED.keywords, EXCLUDED."cast", EXCLUDED.directors, EXCLUDED.overview, EXCLUDED.collection, EXCLUDED.countries, EXCLUDED.visual_caption, EXCLUDED.tmdb_id, EXCLUDED.metadata)`);
    // Amazon metadata imported before these items (recdial import amazon --meta) describes them too.
    await tx.manager.query(`
      UPDATE items i SET description = md.description, features = md.features, categories = md.categories, details = md.details
        FROM _tmdb_items t JOIN amazon_metadata md ON md.domain = 'Movies_and_TV' AND md.parent_asin = t.asin
       WHERE i.asin = t.asin
         AND (i.description, i.features, i.categories, i.details) IS DISTINCT FROM (md.description, md.features, md.categories, md.details)`);
    // The first name seen for an entity key wins, in file order of the items.
    await tx.manager.query(`
      INSERT INTO kg_entities (key, type, name)
      SELECT DISTINCT ON (key) key, type, name FROM _tmdb_kg ORDER BY key, asin, position
      ON CONFLICT (key) DO NOTHING`);
    await tx.manager.query('DELETE FROM item_entities WHERE item_id IN (SELECT i.id FROM items i JOIN _tmdb_items t ON t.asin = i.asin)');
    const [links] = await tx.manager.query(`
      WITH ins AS (
        INSERT INTO item_entities (item_id, relation, entity_id, position)
        SELECT DISTINCT ON (i.id, k.relation, e.id) i.id, k.relation, e.id, k.position
          FROM _tmdb_kg k JOIN items i ON i.asin = k.asin JOIN kg_entities e ON e.key = k.key
         ORDER BY i.id, k.relation, e.id, k.position
        RETURNING 1)
      SELECT count(*)::int AS n FROM ins`);
    const [entities] = await tx.manager.query('SELECT count(DISTINCT key)::int AS n FROM _tmdb_kg');

    // Dialogues imported before these items: targets, leftover tags, then titles and markers.
    await tx.manager.query(`UPDATE dialogues d SET target_item_id = i.id FROM items i WHERE d.target_item_id IS NULL AND i.asin = d.target_raw_id`);
    await tx.manager.query(`UPDATE turn_mentions m SET item_id = i.id FROM items i WHERE m.item_id IS NULL AND m.raw_id <> '' AND i.asin = m.raw_id`);
    const dialoguesResolved = await reresolveReleaseDialogues(tx);

    const imported = importedFile(file, digest);
    const counts = { items: read, entities: entities.n, links: links.n, skipped: errors.errors.length, flagged, dialoguesResolved };
    const importRunId = await recordImportRun(tx.manager, 'tmdb', [imported], counts);
    return { importRunId, file: imported, ...counts };
  });
}
