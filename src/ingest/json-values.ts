/**
 * Streams a file of concatenated JSON values: JSON Lines, and also values pretty-printed over many
 * lines, as LLM-REDIAL's `final_data.jsonl` is published (formats.md §4.2). A single-document file
 * (`item_map.json`) is the case of one value.
 *
 * Like ./json-array.ts, the scanner works on raw bytes and only tracks string/escape state and
 * bracket depth to find where each value ends; each value is then decoded and parsed by the
 * NaN-tolerant parser of ./json.ts, so a malformed value is one bad record, reported at the line
 * of the problem, and the values after it are still read.
 */
import { ImportError } from './errors';
import { DigestPromise, contentChunks, isGzipFile, newTally, type FileDigest } from './file-content';
import { JsonSyntaxError, parseJsonText } from './json';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = [0xef, 0xbb, 0xbf];

const isWhitespace = (b: number) => b === SPACE || b === LF || b === CR || b === TAB;

/**
 * One top-level value. `value` is parsed on first access; bad JSON or invalid UTF-8 throws an
 * ImportError (field `(json)`) there, naming the line of the problem.
 */
export class JsonValue {
  private parsed = false;
  private cached: unknown;

  constructor(
    readonly file: string,
    /** 0-based position in the file. */
    readonly index: number,
    /** 1-based line on which the value starts. */
    readonly line: number,
    private readonly bytes: Uint8Array,
    /** The file ended inside this value (an object, array or string left open). */
    readonly truncated = false,
  ) {}

  get value(): unknown {
    if (!this.parsed) {
      if (this.truncated) {
        throw new ImportError(this.file, this.line, '(json)', 'truncated file: the value that starts on this line is not closed', 'INVALID_JSON');
      }
      let text: string;
      try {
        text = utf8.decode(this.bytes);
      } catch {
        throw new ImportError(this.file, this.line, '(json)', 'invalid UTF-8', 'INVALID_UTF8');
      }
      try {
        this.cached = parseJsonText(text);
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
        // A value on one line reads like a JSON Lines error; a multi-line one names where it starts.
        const column = (line === this.line ? error.position : error.position - lineStart) + 1;
        const where = line === this.line ? '' : ` (in the value that starts on line ${this.line})`;
        throw new ImportError(this.file, line, '(json)', `invalid JSON at column ${column}${where}: ${error.reason}`, 'INVALID_JSON');
      }
      this.parsed = true;
    }
    return this.cached;
  }
}

/**
 * The values of one file. Iterate it once; afterwards `digest()` resolves with the SHA-256 of the
 * raw bytes and the line count (it rejects if the iteration failed or was abandoned).
 */
export interface JsonValueReader extends AsyncIterable<JsonValue> {
  digest(): Promise<FileDigest>;
}

/**
 * Streams the top-level values of `path` (gzip detected by content, a leading BOM skipped).
 * Objects and arrays end at their matching bracket, strings at their closing quote, and anything
 * else (numbers, literals, stray characters) at the next whitespace, bracket or quote. A value
 * cut short by the end of the file is still yielded, as `truncated`; reading it reports that.
 */
export function readJsonValues(path: string): JsonValueReader {
  const digest = new DigestPromise();
  let started = false;
  return {
    digest: () => digest.promise,
    [Symbol.asyncIterator]() {
      if (started) throw new Error(`readJsonValues(${path}) can be iterated only once`);
      started = true;
      return iterateValues(path, digest);
    },
  };
}

type Kind = 'container' | 'string' | 'bare';

async function* iterateValues(path: string, digest: DigestPromise): AsyncGenerator<JsonValue> {
  const tally = newTally();
  let finished = false;
  try {
    const gzip = await isGzipFile(path);
    let line = 1;
    let offset = 0; // decompressed offset of the current chunk's first byte
    let bomSeen = 0;
    let lastByte = -1;
    let index = 0;
    // State of the value being cut; `kind` is null between values.
    let kind: Kind | null = null;
    let inString = false;
    let escaped = false;
    let depth = 0;
    let startLine = 0;
    let pieces: Buffer[] = [];
    let piecesLength = 0;
    let pieceStart = 0;

    const take = (chunk: Buffer, end: number, truncated = false): JsonValue => {
      const piece = chunk.subarray(pieceStart, end);
      const bytes = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece], piecesLength + piece.length);
      pieces = [];
      piecesLength = 0;
      kind = null;
      return new JsonValue(path, index++, startLine, bytes, truncated);
    };

    for await (const chunk of contentChunks(path, gzip, tally)) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (kind === null) {
          if (offset + i === bomSeen && bomSeen < 3 && b === BOM[bomSeen]) {
            bomSeen++;
            continue;
          }
          if (b === LF) line++;
          if (isWhitespace(b)) continue;
          kind = b === OPEN_BRACE || b === OPEN_BRACKET ? 'container' : b === QUOTE ? 'string' : 'bare';
          inString = kind === 'string';
          escaped = false;
          depth = 0;
          startLine = line;
          pieceStart = i;
          if (kind === 'string') continue;
        }
        if (kind === 'bare') {
          if (isWhitespace(b) || b === OPEN_BRACE || b === OPEN_BRACKET || b === QUOTE) {
            yield take(chunk, i);
            i--; // this byte starts the next value or is whitespace between values
          }
          continue;
        }
        if (b === LF) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) {
            inString = false;
            if (kind === 'string') yield take(chunk, i + 1);
          }
        } else if (b === QUOTE) {
          inString = true;
        } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          depth++;
        } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) {
          yield take(chunk, i + 1);
        }
      }
      if (kind !== null) {
        pieces.push(chunk.subarray(pieceStart));
        piecesLength += chunk.length - pieceStart;
        pieceStart = 0;
      }
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
      offset += chunk.length;
    }
    if (kind !== null) yield take(Buffer.alloc(0), 0, kind !== 'bare');
    const lineCount = offset === 0 ? 0 : lastByte === LF ? line - 1 : line;
    finished = true;
    digest.resolve(tally, lineCount, gzip);
  } catch (error) {
    digest.fail(error as Error);
    throw error;
  } finally {
    if (!finished) digest.fail(new Error(`reading ${path} stopped before the end of the file`));
  }
}
