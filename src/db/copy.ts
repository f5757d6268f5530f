import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value for COPY's text format; arrays become PostgreSQL array literals, objects JSON. */
export type CopyValue = string | number | boolean | null | undefined | string[] | Record<string, unknown> | unknown[];

// COPY text format: backslash, tab, newline and carriage return must be escaped; \N is NULL.
const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeCopy(text: string): string {
  // Most fields need no escaping; testing first saves the replace's allocation (~10% of import CPU).
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function arrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

export function copyField(value: CopyValue, kind: 'text' | 'array' | 'json' = 'text'): string {
  if (value === null || value === undefined) return '\\N';
  if (kind === 'array') return escapeCopy(arrayLiteral(value as string[]));
  if (kind === 'json') return escapeCopy(JSON.stringify(value));
  return escapeCopy(String(value));
}

export interface CopyTable {
  table: string;
  columns: Array<{ name: string; kind?: 'text' | 'array' | 'json' }>;
}

/**
 * Streams rows into a table with COPY FROM STDIN on a dedicated client (never through the pool's
 * query(): COPY holds the connection until the stream ends).
 */
export async function copyRows(client: PoolClient, target: CopyTable, rows: Iterable<CopyValue[]> | AsyncIterable<CopyValue[]>): Promise<void> {
  const sql = `COPY ${target.table} (${target.columns.map((c) => `"${c.name}"`).join(', ')}) FROM STDIN`;
  const kinds = target.columns.map((c) => c.kind ?? 'text');
  async function* lines() {
    let chunk = '';
    for await (const row of rows) {
      chunk += row.map((v, i) => copyField(v, kinds[i])).join('\t') + '\n';
      if (chunk.length > 1 << 16) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), client.query(copyFrom(sql)));
}
