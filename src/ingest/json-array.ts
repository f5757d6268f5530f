/**
 * Streams the elements of one top-level JSON array (e.g. `tmdb_movies.json`, docs/formats.md §2.1)
 * without holding the file in memory: the scanner of ./json-values.ts, one level down.
 */
import { ImportError } from './errors';
import { JsonValue, scanJson, type JsonReader } from './json-values';

export type { FileDigest } from './file-content';

/**
 * One array element. `value` is parsed on first access; a malformed element (bad JSON or invalid
 * UTF-8) throws an ImportError there, with the line where the problem is. The iteration itself
 * goes on, so one bad record does not end the import (docs/formats.md §0, "Errors").
 */
export class ArrayElement extends JsonValue {
  protected override invalidUtf8(): ImportError {
    return new ImportError(this.file, this.line, '(element)', `invalid UTF-8 in array element ${this.index}`, 'INVALID_UTF8');
  }

  protected override invalidJson(line: number, _column: number, reason: string): ImportError {
    return new ImportError(
      this.file,
      line,
      '(element)',
      `invalid JSON in array element ${this.index} (which starts on line ${this.line}): ${reason}`,
      'INVALID_JSON',
    );
  }
}

/**
 * The elements of the array in one file. Iterate it once; afterwards `digest()` resolves with the
 * SHA-256 of the raw file bytes and its line count (it rejects if the iteration failed or was
 * abandoned). Structural problems — the file is not an array, is truncated, or has content after
 * the closing `]` — end the iteration with an ImportError (code INVALID_JSON).
 */
export type JsonArrayReader = JsonReader<ArrayElement>;

export function readJsonArray(path: string): JsonArrayReader {
  return scanJson(path, 'readJsonArray', 'array', (index, line, bytes) => new ArrayElement(path, index, line, bytes));
}
