import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { fromGlobalId } from '../pagination/global-id';
import { ImportError, InputFileError } from './errors';

/**
 * Human ratings of dialogues (issue 15), to check a judge against: CSV with a header row or JSONL,
 * one rating per record with `dialogue` (the id the API shows, or the dialogue's source key
 * `import_key`), `criterion` (a rubric criterion key, e.g. fluency), `rater` and `score` (a number).
 * `dialogue_id` and `dialogueId` are accepted for `dialogue`. Importing again replaces a rater's
 * score for the same dialogue and criterion, so the import is idempotent.
 */
export interface RatingRecord {
  line: number;
  dialogue: string;
  criterion: string;
  rater: string;
  score: number;
}

const FIELDS = ['dialogue', 'criterion', 'rater', 'score'] as const;
const ALIASES: Record<string, (typeof FIELDS)[number]> = { dialogue: 'dialogue', dialogue_id: 'dialogue', dialogueid: 'dialogue', criterion: 'criterion', rater: 'rater', annotator: 'rater', score: 'score' };

/** RFC 4180 fields of one CSV line (quoted fields may hold commas and doubled quotes, not newlines). */
function csvFields(line: string, file: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new ImportError(file, lineNo, 'line', 'a quoted field is not closed');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i >= line.length) return out;
      if (line[i] !== ',') throw new ImportError(file, lineNo, 'line', `expected a comma after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

function record(file: string, line: number, raw: Record<string, unknown>): RatingRecord {
  const get = (field: (typeof FIELDS)[number]) => {
    const key = Object.keys(raw).find((k) => ALIASES[k.toLowerCase().trim()] === field);
    return key === undefined ? undefined : raw[key];
  };
  const text = (field: 'dialogue' | 'criterion' | 'rater') => {
    const v = get(field);
    if (v === undefined || v === null || String(v).trim() === '') throw new ImportError(file, line, field, 'missing');
    if (typeof v !== 'string' && typeof v !== 'number') throw new ImportError(file, line, field, `expected a string, got ${JSON.stringify(v)}`);
    return String(v).trim();
  };
  const dialogue = text('dialogue');
  const criterion = text('criterion');
  if (!/^[a-z][a-z0-9_]*$/.test(criterion)) throw new ImportError(file, line, 'criterion', `"${criterion}" is not a criterion key (lower-case letters, digits and _, e.g. fluency)`);
  const rater = text('rater');
  const s = get('score');
  const score = typeof s === 'number' ? s : typeof s === 'string' && s.trim() !== '' ? Number(s) : NaN;
  if (!Number.isFinite(score)) throw new ImportError(file, line, 'score', s === undefined || s === '' ? 'missing' : `expected a number, got ${JSON.stringify(s)}`);
  return { line, dialogue, criterion, rater, score };
}

/** Parses a ratings file; CSV or JSONL by extension (`.jsonl`/`.ndjson`, else by its first character). */
export function parseRatings(text: string, file: string): RatingRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const jsonl = /\.(jsonl|ndjson)$/i.test(file) || (!/\.csv$/i.test(file) && lines.find((l) => l.trim())?.trim().startsWith('{'));
  const out: RatingRecord[] = [];
  if (jsonl) {
    lines.forEach((l, i) => {
      if (!l.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(l);
      } catch (error) {
        throw new ImportError(file, i + 1, 'line', `not JSON (${(error as Error).message})`);
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ImportError(file, i + 1, 'line', 'expected a JSON object');
      out.push(record(file, i + 1, value as Record<string, unknown>));
    });
    return out;
  }
  const headerAt = lines.findIndex((l) => l.trim());
  if (headerAt < 0) return out;
  const header = csvFields(lines[headerAt], file, headerAt + 1).map((h) => h.trim());
  for (const f of FIELDS) {
    if (!header.some((h) => ALIASES[h.toLowerCase()] === f)) throw new ImportError(file, headerAt + 1, 'header', `no "${f}" column (the header has ${header.map((h) => `"${h}"`).join(', ')})`);
  }
  for (let i = headerAt + 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const values = csvFields(lines[i], file, i + 1);
    if (values.length !== header.length) throw new ImportError(file, i + 1, 'line', `expected ${header.length} fields as in the header, got ${values.length}`);
    out.push(record(file, i + 1, Object.fromEntries(header.map((h, k) => [h, values[k]]))));
  }
  return out;
}

export interface RatingsImportResult {
  ratings: number;
  inserted: number;
  updated: number;
  dialogues: number;
  raters: number;
  criteria: string[];
}

/**
 * Reads, checks and stores a ratings file in one transaction: every dialogue must exist (by the id
 * the API shows, or by source key), else nothing is stored and the error names the line.
 */
export async function importRatings(dataSource: DataSource, file: string): Promise<RatingsImportResult> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputFileError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  const records = parseRatings(text, file);
  const seen = new Map<string, number>();
  for (const r of records) {
    const k = `${r.dialogue}\u0000${r.criterion}\u0000${r.rater}`;
    if (seen.has(k)) throw new ImportError(file, r.line, 'rater', `"${r.rater}" already rated ${r.criterion} of this dialogue on line ${seen.get(k)}`);
    seen.set(k, r.line);
  }
  // Resolve ids: global ids decode to database ids; anything else is looked up as a source key.
  const byGlobal = new Map<string, number>();
  const keys = new Set<string>();
  for (const r of records) {
    const g = fromGlobalId(r.dialogue);
    if (g?.type === 'Dialogue' && /^\d+$/.test(g.id)) byGlobal.set(r.dialogue, Number(g.id));
    else keys.add(r.dialogue);
  }
  const resolved = new Map<string, number>();
  if (byGlobal.size) {
    const rows: Array<{ id: number }> = await dataSource.query('SELECT id FROM dialogues WHERE id = ANY($1)', [[...byGlobal.values()]]);
    const exists = new Set(rows.map((r) => r.id));
    for (const [g, id] of byGlobal) if (exists.has(id)) resolved.set(g, id);
  }
  if (keys.size) {
    const rows: Array<{ id: number; key: string }> = await dataSource.query('SELECT id, import_key AS key FROM dialogues WHERE import_key = ANY($1)', [[...keys]]);
    for (const r of rows) resolved.set(r.key, r.id);
  }
  const missing = records.find((r) => !resolved.has(r.dialogue));
  if (missing) throw new ImportError(file, missing.line, 'dialogue', `no dialogue "${missing.dialogue}" (give the id the API shows, or the dialogue's source key)`);
  const origin = path.basename(file);
  const result = await dataSource.transaction(async (m) => {
    let inserted = 0;
    for (let i = 0; i < records.length; i += 5000) {
      const chunk = records.slice(i, i + 5000);
      const rows: Array<{ inserted: boolean }> = await m.query(
        `INSERT INTO human_ratings (dialogue_id, criterion, rater, score, origin)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::float8[], $5::text[])
         ON CONFLICT (dialogue_id, criterion, rater) DO UPDATE SET score = EXCLUDED.score, origin = EXCLUDED.origin
         RETURNING (xmax = 0) AS inserted`,
        [chunk.map((r) => resolved.get(r.dialogue)), chunk.map((r) => r.criterion), chunk.map((r) => r.rater), chunk.map((r) => r.score), chunk.map((r) => `${origin}:${r.line}`)],
      );
      inserted += rows.filter((r) => r.inserted).length;
    }
    return inserted;
  });
  return {
    ratings: records.length,
    inserted: result,
    updated: records.length - result,
    dialogues: new Set(records.map((r) => resolved.get(r.dialogue))).size,
    raters: new Set(records.map((r) => r.rater)).size,
    criteria: [...new Set(records.map((r) => r.criterion))].sort(),
  };
}
