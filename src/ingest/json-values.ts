/**
 * The streaming JSON scanner behind both JSON readers: `readJsonValues` here (a file of
 * concatenated values: JSON Lines, and also values pretty-printed over many lines, as
 * LLM-REDIAL's `final_data.jsonl` is published, docs/formats.md §4.2; a single document such as
 * `item_map.json` is the case of one value) and `readJsonArray` in ./json-array.ts (the elements
 * of one top-level array, the same scan one level down).
 *
 * Hand-written on purpose: the streaming JSON libraries on npm either reject Python's bare
 * `NaN`/`Infinity`, or do not report line numbers, or build the whole document. The scanner only
 * tracks string/escape state and bracket depth to find where each value ends, on raw bytes (every
 * structural character is ASCII and never occurs inside a multi-byte UTF-8 sequence); each value
 * is then decoded and parsed lazily by the NaN-tolerant parser of ./json.ts, so a malformed value
 * is one bad record, reported at the line of the problem, and the values after it are still read.
 */
import { ImportError } from './errors';
import { DigestPromise, contentChunks, isGzipFile, newTally, readProblem, type FileDigest } from './file-content';
import { JsonSyntaxError, parseJsonText } from './json';
import { lineLimits } from './lines';
import { rejectNul } from './nul';

export type { FileDigest } from './file-content';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = [0xef, 0xbb, 0xbf];

const isWhitespace = (b: number) => b === SPACE || b === LF || b === CR || b === TAB;

/**
 * One top-level value. `value` is parsed on first access; bad JSON or invalid UTF-8 throws an
 * ImportError (field `(json)`) there, naming the line of the problem. Subclasses word the errors
 * for what the value is (an array element, ./json-array.ts).
 */
export class JsonValue {
  private parsed = false;
  private cached: unknown;

  constructor(
    readonly file: string,
    /** 0-based position in the file (in the array, for an element). */
    readonly index: number,
    /** 1-based line on which the value starts. */
    readonly line: number,
    private readonly bytes: Uint8Array,
    /** The file ended inside this value (an object, array or string left open). */
    readonly truncated = false,
  ) {}

  get value(): unknown {
    if (!this.parsed) {
      this.cached = this.parse();
      this.parsed = true;
    }
    return this.cached;
  }

  private parse(): unknown {
    if (this.truncated) {
      throw new ImportError(this.file, this.line, '(json)', 'truncated file: the value that starts on this line is not closed', 'INVALID_JSON');
    }
    let text: string;
    try {
      text = utf8.decode(this.bytes);
    } catch {
      throw this.invalidUtf8();
    }
    let value: unknown;
    try {
      value = parseJsonText(text);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      let line = this.line;
      let lineStart = 0;
      for (let i = 0; i < error.position && i < text.length; i++) {
        if (text.charCodeAt(i) === LF) {
          line++;
          lineStart = i + 1;
        }
      }
      throw this.invalidJson(line, error.position - lineStart + 1, error.reason);
    }
    rejectNul(value, text, this.file, this.line);
    return value;
  }

  protected invalidUtf8(): ImportError {
    return new ImportError(this.file, this.line, '(json)', 'invalid UTF-8', 'INVALID_UTF8');
  }

  /** Bad JSON at `line` (the line of the problem), 1-based `column` within that line. */
  protected invalidJson(line: number, column: number, reason: string): ImportError {
    // On the value's first line the column counts from where the value starts, so that a value
    // on one line reads like a JSON Lines error; a multi-line one names where it starts.
    const where = line === this.line ? '' : ` (in the value that starts on line ${this.line})`;
    return new ImportError(this.file, line, '(json)', `invalid JSON at column ${column}${where}: ${reason}`, 'INVALID_JSON');
  }
}

/**
 * The values of one file. Iterate it once; afterwards `digest()` resolves with the SHA-256 of the
 * raw bytes and the line count (it rejects if the iteration failed or was abandoned).
 */
export interface JsonReader<T extends JsonValue> extends AsyncIterable<T> {
  digest(): Promise<FileDigest>;
}

export type JsonValueReader = JsonReader<JsonValue>;

/**
 * Streams the top-level values of `path` (gzip detected by content, a leading BOM skipped).
 * Objects and arrays end at their matching bracket, strings at their closing quote, and anything
 * else (numbers, literals, stray characters) at the next whitespace, bracket or quote. A value
 * cut short by the end of the file is still yielded, as `truncated`; reading it reports that.
 */
export function readJsonValues(path: string): JsonValueReader {
  return scanJson(path, 'readJsonValues', 'file', (index, line, bytes, truncated) => new JsonValue(path, index, line, bytes, truncated));
}

/**
 * Where the values to yield are: `file`, the top-level values; `array`, the elements of the one
 * top-level array the file must hold.
 */
export type ScanLevel = 'file' | 'array';

/**
 * The scanner of both readers. `caller` names the reader in the error for a second iteration;
 * `make` wraps the bytes of each value found.
 *
 * An array element runs from its first byte to the `,` or `]` that follows it at its own depth,
 * rather than to the end of its value, so that stray content inside an element ("[{}}, 2]") is
 * that element's parse error and the elements after it are still read. Structural problems of
 * the array (no `[`, an empty slot, a truncated file, content after the `]`) end the iteration
 * with an ImportError (field `(array)`, code INVALID_JSON).
 */
export function scanJson<T extends JsonValue>(
  path: string,
  caller: string,
  level: ScanLevel,
  make: (index: number, line: number, bytes: Uint8Array, truncated: boolean) => T,
): JsonReader<T> {
  const digest = new DigestPromise();
  let started = false;
  return {
    digest: () => digest.promise,
    [Symbol.asyncIterator]() {
      if (started) throw new Error(`${caller}(${path}) can be iterated only once`);
      started = true;
      return iterate(path, level, make, digest);
    },
  };
}

// What is being cut, which says how it ends; ELEMENT is an array element (see scanJson). Small
// integers rather than strings: comparing these on every byte is measurably faster.
const BETWEEN = 0; // between values
const CONTAINER = 1;
const STRING = 2;
const BARE = 3;
const ELEMENT = 4;

/** Array mode only: where the scan is relative to the file's one array. */
type ArrayPhase = 'before' | 'inside' | 'after';

async function* iterate<T extends JsonValue>(
  path: string,
  level: ScanLevel,
  make: (index: number, line: number, bytes: Uint8Array, truncated: boolean) => T,
  digest: DigestPromise,
): AsyncGenerator<T> {
  const tally = newTally();
  let finished = false;
  const structural = (line: number, problem: string) => new ImportError(path, line, '(array)', problem, 'INVALID_JSON');
  let line = 1;
  try {
    const gzip = await isGzipFile(path);
    let offset = 0; // decompressed offset of the current chunk's first byte
    let bomSeen = 0;
    let lastByte = -1;
    let index = 0;
    let phase: ArrayPhase = 'before';
    let afterComma = false;
    // State of the value being cut.
    let kind = BETWEEN;
    let inString = false;
    let escaped = false;
    let depth = 0;
    let startLine = 0;
    let pieces: Buffer[] = [];
    let piecesLength = 0;
    let pieceStart = 0;

    const tooLong = () =>
      new ImportError(path, startLine, '(json)', `the value that starts on this line is longer than the limit of ${(lineLimits.maxBytes / 1024 / 1024).toFixed(1)} MiB; RECDIAL_MAX_LINE_BYTES raises the limit`, 'VALUE_TOO_LONG');
    const take = (chunk: Buffer, end: number, truncated = false): T => {
      const piece = chunk.subarray(pieceStart, end);
      if (piecesLength + piece.length > lineLimits.maxBytes) throw tooLong();
      const bytes = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece], piecesLength + piece.length);
      pieces = [];
      piecesLength = 0;
      kind = BETWEEN;
      return make(index++, startLine, bytes, truncated);
    };

    for await (const chunk of contentChunks(path, gzip, tally)) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === LF) line++;
        // Most bytes are inside strings: the shortest path.
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) {
            inString = false;
            if (kind === STRING) yield take(chunk, i + 1);
          }
          continue;
        }
        if (kind === BARE) {
          if (!isWhitespace(b) && b !== OPEN_BRACE && b !== OPEN_BRACKET && b !== QUOTE) continue;
          yield take(chunk, i); // this byte starts the next value or is whitespace between values
        }
        if (kind === BETWEEN) {
          if (offset + i === bomSeen && bomSeen < 3 && b === BOM[bomSeen]) {
            bomSeen++;
            continue;
          }
          if (isWhitespace(b)) continue;
          if (level === 'array') {
            if (phase === 'before') {
              if (b !== OPEN_BRACKET) throw structural(line, 'expected a JSON array: the file must start with [');
              phase = 'inside';
              continue;
            }
            if (phase === 'after') throw structural(line, 'unexpected content after the closing ] of the array');
            if (b === CLOSE_BRACKET) {
              if (afterComma) throw structural(line, "trailing comma before the closing ']'");
              phase = 'after';
              continue;
            }
            if (b === COMMA) throw structural(line, "missing array element before ','");
            kind = ELEMENT;
          } else {
            kind = b === OPEN_BRACE || b === OPEN_BRACKET ? CONTAINER : b === QUOTE ? STRING : BARE;
          }
          escaped = false;
          depth = 0;
          startLine = line;
          pieceStart = i;
          if (kind === STRING) {
            inString = true;
            continue;
          }
          if (kind === BARE) continue;
        }
        if (b === QUOTE) {
          inString = true;
        } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          depth++;
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          if (kind === CONTAINER) {
            if (--depth === 0) yield take(chunk, i + 1);
          } else if (depth > 0) {
            depth--;
          } else if (b === CLOSE_BRACKET) {
            // The array's own closing bracket ends the last element.
            afterComma = false;
            phase = 'after';
            yield take(chunk, i);
          }
          // A stray '}' at an element's depth 0 stays in the element; the parser reports it.
        } else if (b === COMMA && depth === 0 && kind === ELEMENT) {
          afterComma = true;
          yield take(chunk, i);
        }
      }
      if (kind !== BETWEEN) {
        pieces.push(chunk.subarray(pieceStart));
        piecesLength += chunk.length - pieceStart;
        pieceStart = 0;
        // One value is buffered whole: the line limit bounds it too (a corrupt or foreign file).
        if (piecesLength > lineLimits.maxBytes) throw tooLong();
      }
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
      offset += chunk.length;
    }

    const lastLine = lastByte === LF ? line - 1 : line;
    if (level === 'array') {
      if (phase === 'before') throw structural(lastLine, 'expected a JSON array, found no content');
      if (phase === 'inside') {
        throw structural(
          lastLine,
          kind !== BETWEEN && inString ? 'truncated file: unterminated string in the last array element' : 'truncated file: the array is not closed',
        );
      }
    } else if (kind !== BETWEEN) {
      yield take(Buffer.alloc(0), 0, kind !== BARE);
    }
    finished = true;
    digest.resolve(tally, offset === 0 ? 0 : lastLine, gzip);
  } catch (caught) {
    const error = readProblem(path, caught, line);
    digest.fail(error as Error);
    throw error;
  } finally {
    if (!finished) digest.fail(new Error(`reading ${path} stopped before the end of the file`));
  }
}
