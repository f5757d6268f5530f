/**
 * Characters PostgreSQL cannot store: U+0000 in `text` and `jsonb` (the server refuses it), and
 * lone UTF-16 surrogates (`jsonb` refuses their `\udXXX` escapes; `text` would silently get U+FFFD
 * from the driver's UTF-8 encoding). Model answers contain both now and then, and user input may.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Offset and name (`U+0000`, `U+D83D`) of the first unstorable character, or null. */
export function firstUnstorable(text: string): { offset: number; char: string } | null {
  UNSTORABLE.lastIndex = 0;
  const m = UNSTORABLE.exec(text);
  UNSTORABLE.lastIndex = 0;
  return m ? { offset: m.index, char: codePointName(m[0]) } : null;
}

export function codePointName(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

export interface Sanitized {
  text: string;
  /** How many characters were replaced, by name (`{ "U+0000": 2 }`); empty when none. */
  replaced: Record<string, number>;
}

/**
 * Replaces each unstorable character by U+FFFD. Both are one UTF-16 unit, so offsets into the
 * text (title rewrites, mentions) stay those of the original.
 */
export function sanitizeForPostgres(text: string): Sanitized {
  const replaced: Record<string, number> = {};
  const clean = text.replace(UNSTORABLE, (c) => {
    const name = codePointName(c);
    replaced[name] = (replaced[name] ?? 0) + 1;
    return '\ufffd';
  });
  return { text: clean, replaced };
}

/** Sanitises every string in a value (error messages, server names, JSON to store); other values are kept. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return sanitizeForPostgres(value).text as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
  }
  return value;
}
