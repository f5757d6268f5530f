/**
 * Serialisers that write what Python would: `repr()` of JSON-like data (the Python-literal
 * strings found in the real tmdb_movies.json, docs/formats.md §2.3) and `json.dumps` with its default
 * separators (`", "`, `": "`), optionally with `ensure_ascii`.
 */

/** A Python tuple, for `repr()` (`('US',)`, `('GB', 'FR')`). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

function reprFloat(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  if (Number.isInteger(n)) return `${n}.0`;
  return String(n);
}

/** Python 3 `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * `repr()` of JSON-like data. Numbers marked as floats by the caller's shape are written through
 * `floats` (keys whose values Python holds as float, e.g. `popularity`).
 */
export function pyRepr(value: unknown, floats: ReadonlySet<string> = new Set(), key?: string): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return key !== undefined && floats.has(key) ? reprFloat(value) : String(value);
  if (typeof value === 'string') return reprString(value);
  if (value instanceof PyTuple) {
    const parts = value.items.map((v) => pyRepr(v, floats));
    return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, floats)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${reprString(k)}: ${pyRepr(v, floats, k)}`);
    return `{${parts.join(', ')}}`;
  }
  throw new Error(`cannot repr ${typeof value}`);
}

const NON_ASCII = /[\u0080-\uffff]/g;

/** `json.dumps(value)` (default separators); `ensureAscii` escapes non-ASCII as `\uXXXX` like Python. */
export function pyJsonDumps(value: unknown, ensureAscii: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return ensureAscii ? json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
  }
  if (value instanceof PyTuple) return pyJsonDumps(value.items, ensureAscii);
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v, ensureAscii)).join(', ')}]`;
  const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyJsonDumps(k, ensureAscii)}: ${pyJsonDumps(v, ensureAscii)}`);
  return `{${parts.join(', ')}}`;
}
