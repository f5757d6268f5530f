import path from 'node:path';
import { DataSource } from 'typeorm';
import { importDistillRecDial } from './distillrecdial.load';
import { importTmdb } from './tmdb.load';

/** The bundled sample: real films in tmdb_movies.json format and dialogues in the release format. */
export function sampleDir(rootDir: string): string {
  return path.join(rootDir, 'src', 'sample');
}

/**
 * Loads the sample through the same importers a user runs, once per database: the marker in
 * `settings` keeps a restarted server from loading it again.
 */
export async function loadSampleOnce(dataSource: DataSource, rootDir: string, options: { quiet?: boolean } = {}): Promise<boolean> {
  const [marker] = await dataSource.query(`SELECT 1 FROM settings WHERE key = 'sampleLoaded'`);
  if (marker) return false;
  const dir = sampleDir(rootDir);
  await importTmdb(dataSource, path.join(dir, 'tmdb_movies.json'), { quiet: options.quiet });
  await importDistillRecDial(dataSource, [path.join(dir, 'distillrecdial')], { quiet: options.quiet });
  await dataSource.query(`INSERT INTO settings (key, value) VALUES ('sampleLoaded', to_jsonb(now())) ON CONFLICT DO NOTHING`);
  return true;
}
