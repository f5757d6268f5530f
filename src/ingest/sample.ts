import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { prepare } from '../prepare/prepare';
import { importAmazon } from './amazon.load';
import { importCanonical } from './canonical.load';
import { importDistillRecDial } from './distillrecdial.load';
import { importInspired } from './inspired.load';
import { importLlmRedial } from './llm-redial.load';
import { importPearl } from './pearl.load';
import { importRedial } from './redial.load';
import { importTmdb } from './tmdb.load';

/** The bundled sample: real films in tmdb_movies.json format, and dialogues and sources in their release formats. */
export function sampleDir(rootDir: string): string {
  return path.join(rootDir, 'src', 'sample');
}

/**
 * `recdial prepare` settings of the sample: its 40 reviewers have 12–20 reviews each, spread over
 * 126 films, so few films have 12 reviewers and the default 12-core keeps no one; a 5-core keeps
 * all 40 (src/sample/authoring/amazon.py checks this when it writes the reviews).
 */
export const SAMPLE_PREPARE = { kCore: 5, seed: 42 } as const;

/**
 * Loads every part of the sample through the importers a user runs, in the order a user would:
 * the catalogue, the DistillRecDial release, the Amazon sources and their preparation, the peer
 * datasets, and the stored generation run (a canonical export, `import canonical`).
 */
export async function loadSample(dataSource: DataSource, rootDir: string, options: { quiet?: boolean } = {}): Promise<void> {
  const dir = sampleDir(rootDir);
  const quiet = { quiet: options.quiet };
  await importTmdb(dataSource, path.join(dir, 'tmdb_movies.json'), quiet);
  await importDistillRecDial(dataSource, [path.join(dir, 'distillrecdial')], quiet);
  await importAmazon(dataSource, { reviews: path.join(dir, 'amazon', 'Movies_and_TV.jsonl'), meta: path.join(dir, 'amazon', 'meta_Movies_and_TV.jsonl') }, quiet);
  await prepare(dataSource, { ...SAMPLE_PREPARE });
  await importLlmRedial(dataSource, path.join(dir, 'llm-redial', 'Movie'), { domain: 'Movies_and_TV' }, quiet);
  await importRedial(dataSource, [path.join(dir, 'redial', 'train_data.jsonl'), path.join(dir, 'redial', 'test_data.jsonl')], {}, quiet);
  await importPearl(dataSource, [path.join(dir, 'pearl', 'train.json'), path.join(dir, 'pearl', 'test.json')], {}, quiet);
  await importInspired(dataSource, [path.join(dir, 'inspired', 'train.tsv'), path.join(dir, 'inspired', 'test.tsv')], {}, quiet);
  // Absent only while the run itself is being authored (test/support/sample-run.author.ts).
  const generated = path.join(dir, 'generated');
  if (fs.existsSync(generated)) await importCanonical(dataSource, [generated], quiet);
}

/**
 * Loads the sample once per database: the marker in `settings` keeps a restarted server from
 * loading it again.
 */
export async function loadSampleOnce(dataSource: DataSource, rootDir: string, options: { quiet?: boolean } = {}): Promise<boolean> {
  const [marker] = await dataSource.query(`SELECT 1 FROM settings WHERE key = 'sampleLoaded'`);
  if (marker) return false;
  await loadSample(dataSource, rootDir, options);
  await dataSource.query(`INSERT INTO settings (key, value) VALUES ('sampleLoaded', to_jsonb(now())) ON CONFLICT DO NOTHING`);
  return true;
}
