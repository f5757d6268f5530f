import { ImportError } from './errors';

/** The path (`filter.search`, `messages[2].content`) of the first string or key in `value` holding U+0000; null when none does. */
export function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\0')) return at;
      const found = nulPath(v, at);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, which JSON spells `\u0000`: a record holding
 * one is that record's error, `file:line: field: contains U+0000`, instead of a failed COPY
 * ("invalid byte sequence") that names no line. `text` is the JSON the value was parsed from:
 * only text that spells the escape is walked.
 */
export function rejectNul(value: unknown, text: string, file: string, line: number): void {
  if (!text.includes('\\u0000')) return;
  const found = nulPath(value, '');
  if (found === null) return;
  throw new ImportError(file, line, found || '(value)', 'contains U+0000 (a NUL character), which PostgreSQL cannot store', 'NUL_CHARACTER');
}
