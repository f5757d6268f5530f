/**
 * Streams the elements of one top-level JSON array (e.g. `tmdb_movies.json`, formats.md §2.1)
 * without holding the file in memory.
 *
 * Hand-written on purpose: the streaming JSON libraries on npm either reject Python's bare
 * `NaN`/`Infinity`, or do not report line numbers, or build the whole document. The scanner
 * below only tracks string/escape state and bracket depth to find where each element ends, on
 * raw bytes (every structural character is ASCII and never occurs inside a multi-byte UTF-8
 * sequence); each element is then decoded and parsed by the same NaN-tolerant parser as JSON
 * Lines (./json.ts).
 */
import { ImportError } from './errors';
import { DigestPromise, contentChunks, isGzipFile, newTally, type FileDigest } from './file-content';
import { JsonSyntaxError, parseJsonText } from './json';

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
 * One array element. `value` is parsed on first access; a malformed element (bad JSON or invalid
 * UTF-8) throws an ImportError there, with the line where the problem is. The iteration itself
 * goes on, so one bad record does not end the import (formats.md §0, "Errors").
 */
export class ArrayElement {
  private parsed = false;
  private cached: unknown;

  constructor(
    readonly file: string,
    /** 0-based position in the array. */
    readonly index: number,
    /** 1-based line on which the element starts. */
    readonly line: number,
    private readonly bytes: Uint8Array,
  ) {}

  get value(): unknown {
    if (!this.parsed) {
      let text: string;
      try {
        text = utf8.decode(this.bytes);
      } catch {
        throw new ImportError(this.file, this.line, '(element)', `invalid UTF-8 in array element ${this.index}`, 'INVALID_UTF8');
      }
      try {
        this.cached = parseJsonText(text);
      } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        let errorLine = this.line;
        for (let i = 0; i < error.position && i < text.length; i++) if (text.charCodeAt(i) === LF) errorLine++;
        throw new ImportError(
          this.file,
          errorLine,
          '(element)',
          `invalid JSON in array element ${this.index} (which starts on line ${this.line}): ${error.reason}`,
          'INVALID_JSON',
        );
      }
      this.parsed = true;
    }
    return this.cached;
  }
}

/**
 * The elements of the array in one file. Iterate it once; afterwards `digest()` resolves with the
 * SHA-256 of the raw file bytes and its line count (it rejects if the iteration failed or was
 * abandoned). Structural problems — the file is not an array, is truncated, or has content after
 * the closing `]` — end the iteration with an ImportError (code INVALID_JSON).
 */
export interface JsonArrayReader extends AsyncIterable<ArrayElement> {
  digest(): Promise<FileDigest>;
}

export function readJsonArray(path: string): JsonArrayReader {
  const digest = new DigestPromise();
  let started = false;
  return {
    digest: () => digest.promise,
    [Symbol.asyncIterator]() {
      if (started) throw new Error(`readJsonArray(${path}) can be iterated only once`);
      started = true;
      return iterateElements(path, digest);
    },
  };
}

type Phase = 'before' | 'array' | 'after';

async function* iterateElements(path: string, digest: DigestPromise): AsyncGenerator<ArrayElement> {
  const tally = newTally();
  let finished = false;
  const structural = (line: number, problem: string) => new ImportError(path, line, '(array)', problem, 'INVALID_JSON');
  try {
    const gzip = await isGzipFile(path);
    let phase: Phase = 'before';
    let bomSeen = 0;
    let line = 1;
    let offset = 0; // decompressed offset of the current chunk's first byte
    let lastByte = -1;
    let index = 0;
    let afterComma = false;
    // State of the element being cut.
    let inElement = false;
    let inString = false;
    let escaped = false;
    let depth = 0;
    let startLine = 0;
    let pieces: Buffer[] = [];
    let piecesLength = 0;
    let pieceStart = 0;

    const takeElement = (chunk: Buffer, end: number): ArrayElement => {
      const piece = chunk.subarray(pieceStart, end);
      const bytes = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece], piecesLength + piece.length);
      pieces = [];
      piecesLength = 0;
      inElement = false;
      return new ArrayElement(path, index++, startLine, bytes);
    };

    for await (const chunk of contentChunks(path, gzip, tally)) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (phase === 'before') {
          if (offset + i === bomSeen && bomSeen < 3 && b === BOM[bomSeen]) {
            bomSeen++;
            continue;
          }
          if (b === LF) line++;
          if (isWhitespace(b)) continue;
          if (b !== OPEN_BRACKET) throw structural(line, 'expected a JSON array: the file must start with [');
          phase = 'array';
          continue;
        }
        if (phase === 'after') {
          if (b === LF) line++;
          if (!isWhitespace(b)) throw structural(line, 'unexpected content after the closing ] of the array');
          continue;
        }
        if (!inElement) {
          if (b === LF) line++;
          if (isWhitespace(b)) continue;
          if (b === CLOSE_BRACKET) {
            if (afterComma) throw structural(line, "trailing comma before the closing ']'");
            phase = 'after';
            continue;
          }
          if (b === COMMA) throw structural(line, "missing array element before ','");
          inElement = true;
          inString = false;
          escaped = false;
          depth = 0;
          startLine = line;
          pieceStart = i;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
        } else if (b === QUOTE) {
          inString = true;
        } else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
          depth++;
        } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
          if (depth > 0) depth--;
          else if (b === CLOSE_BRACKET) {
            // The array's own closing bracket ends the last element.
            afterComma = false;
            phase = 'after';
            yield takeElement(chunk, i);
            continue;
          }
          // A stray '}' at depth 0 stays in the element; the parser reports it.
        } else if (b === COMMA && depth === 0) {
          afterComma = true;
          yield takeElement(chunk, i);
          continue;
        }
        if (b === LF) line++;
      }
      if (inElement) {
        pieces.push(chunk.subarray(pieceStart));
        piecesLength += chunk.length - pieceStart;
        pieceStart = 0;
      }
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
      offset += chunk.length;
    }

    const lastLine = lastByte === LF ? line - 1 : line;
    if (phase === 'before') throw structural(lastLine, 'expected a JSON array, found no content');
    if (phase === 'array') {
      throw structural(
        lastLine,
        inElement && inString ? 'truncated file: unterminated string in the last array element' : 'truncated file: the array is not closed',
      );
    }
    finished = true;
    digest.resolve(tally, lastLine, gzip);
  } catch (error) {
    digest.fail(error as Error);
    throw error;
  } finally {
    if (!finished) digest.fail(new Error(`reading ${path} stopped before the end of the file`));
  }
}
