import path from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { importDistillRecDial } from '../../src/ingest/distillrecdial.load';
import { importTmdb } from '../../src/ingest/tmdb.load';

// The package root as the app finds it, also when this file runs compiled under dist/ (benchmarks).
export const ROOT = loadConfig({}).rootDir;
export const SAMPLE_DIR = path.join(ROOT, 'src', 'sample');
export const SAMPLE_TMDB = path.join(SAMPLE_DIR, 'tmdb_movies.json');
export const SAMPLE_RELEASE = path.join(SAMPLE_DIR, 'distillrecdial');

/**
 * Loads the bundled sample's catalogue and DistillRecDial release through the real importers: what
 * most tests count on. `loadSample` (src/ingest/sample.ts) loads all of it — Amazon sources and
 * their preparation, peer datasets, the stored generation run — as the first `npm start` does.
 */
export async function importSample(dataSource: DataSource): Promise<void> {
  await importTmdb(dataSource, SAMPLE_TMDB, { quiet: true });
  await importDistillRecDial(dataSource, [SAMPLE_RELEASE], { quiet: true });
}
