import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SAMPLE_DIR = path.join(ROOT, 'src', 'sample');
export const SAMPLE_TMDB = path.join(SAMPLE_DIR, 'tmdb_movies.json');
export const SAMPLE_RELEASE = path.join(SAMPLE_DIR, 'distillrecdial');
