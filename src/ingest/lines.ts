/**
 * Line-by-line reading of (possibly gzipped) text files with flat memory, per docs/formats.md §0.
 *
 * Lines are cut on bytes, not on decoded text, so that invalid UTF-8 is attributed to the one
 * line that contains it instead of being silently replaced by U+FFFD.
 */
import { ImportError } from './errors';
import { readProblem } from './file-content';
import {
  DigestPromise,
  contentChunks,
  isGzipFile,
  newTally,
  type FileDigest,
} from './file-content';
import { JsonSyntaxError, parseJsonText } from './json';
import { rejectNul } from './nul';

export { sha256File, type FileDigest } from './file-content';

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

// fatal: invalid bytes throw instead of becoming U+FFFD. ignoreBOM: a U+FEFF inside the file is
// content; only the file's leading BOM is skipped, and that is done on bytes below.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The longest line read, in bytes: a line is buffered whole, so without a limit one 50 MB line
 * (a corrupt file, a file that is not JSON Lines) takes that much memory per copy. A longer line
 * is that line's error (`file:line: (line): longer than …`) and the lines after it are still
 * read. `RECDIAL_MAX_LINE_BYTES` sets it for the CLI (src/cli.ts).
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const lineLimits = { maxBytes: DEFAULT_MAX_LINE_BYTES };

/**
 * One line of a file. `text` is decoded on first access: for a line with invalid UTF-8 it throws
 * `ImportError(file, line, '(line)', 'invalid UTF-8', 'INVALID_UTF8')`. The error belongs to that
 * line only — the iteration goes on — so a caller that wraps its per-line work in try/catch
 * records the error and continues, as docs/formats.md §0 requires.
 */
export class Line {
  private decoded: string | undefined;

  constructor(
    readonly file: string,
    /** 1-based line number. */
    readonly line: number,
    /** Offset of the line's first byte in the decompressed content (after a leading BOM). */
    readonly byteOffset: number,
    private readonly bytes: Uint8Array,
    /** Why the line cannot be read (too long); `text` throws it. */
    private readonly failure?: ImportError,
  ) {}

  get text(): string {
    if (this.failure) throw this.failure;
    if (this.decoded === undefined) {
      try {
        this.decoded = utf8.decode(this.bytes);
      } catch {
        throw new ImportError(this.file, this.line, '(line)', 'invalid UTF-8', 'INVALID_UTF8');
      }
      // PostgreSQL's text cannot hold U+0000; JSON lines are checked field by field instead (parseJsonLine).
      if (this.decoded.includes('\0')) {
        const column = this.decoded.indexOf('\0') + 1;
        this.decoded = undefined;
        throw new ImportError(this.file, this.line, '(line)', `contains U+0000 (a NUL byte) at column ${column}, which PostgreSQL cannot store`, 'NUL_CHARACTER');
      }
    }
    return this.decoded;
  }

  /** Length of the line in bytes, without its line ending. */
  get byteLength(): number {
    return this.bytes.length;
  }
}

/**
 * The lines of one file. Iterate it once (`for await (const l of reader)`); when the iteration
 * has reached the end of the file, `digest()` resolves with the SHA-256 of the raw file bytes
 * and the line count. If the iteration fails or is abandoned early, `digest()` rejects.
 */
export interface LineReader extends AsyncIterable<Line> {
  digest(): Promise<FileDigest>;
}

/**
 * Streams `path` line by line: gzip is detected by content; a UTF-8 BOM at the start is
 * skipped; lines end at `\n` and a trailing `\r` is dropped; a final line without `\n` is
 * yielded too. Blank lines are yielded (callers skip them) so that line numbers stay exact.
 */
export function readLines(path: string, options: { maxLineBytes?: number } = {}): LineReader {
  const maxLineBytes = options.maxLineBytes ?? lineLimits.maxBytes;
  const digest = new DigestPromise();
  let started = false;
  return {
    digest: () => digest.promise,
    [Symbol.asyncIterator]() {
      if (started) throw new Error(`readLines(${path}) can be iterated only once`);
      started = true;
      return iterateLines(path, digest, maxLineBytes);
    },
  };
}

async function* iterateLines(path: string, digest: DigestPromise, maxLineBytes: number): AsyncGenerator<Line> {
  const tally = newTally();
  let finished = false;
  try {
    const gzip = await isGzipFile(path).catch((error) => {
      throw readProblem(path, error, 1);
    });
    let lineNo = 0;
    let offset = 0; // decompressed offset of the first pending byte
    let pending: Buffer[] = [];
    let pendingLength = 0;

    const makeLine = (bytes: Buffer, start: number): Line => {
      lineNo++;
      let from = 0;
      if (lineNo === 1 && bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]) from = 3;
      let to = bytes.length;
      if (to > from && bytes[to - 1] === CR) to--;
      return new Line(path, lineNo, start + from, bytes.subarray(from, to));
    };

    // Bytes of a line over the limit are counted, not kept; the line is yielded as its error.
    let skipping = false;
    const tooLong = (start: number, length: number): Line => {
      lineNo++;
      const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
      const error = new ImportError(
        path,
        lineNo,
        '(line)',
        `longer than the limit of ${mib(maxLineBytes)} (${length > maxLineBytes ? mib(length) : 'more'}); is this a JSON Lines file? RECDIAL_MAX_LINE_BYTES raises the limit`,
        'LINE_TOO_LONG',
      );
      return new Line(path, lineNo, start, new Uint8Array(0), error);
    };

    try {
      for await (const chunk of contentChunks(path, gzip, tally)) {
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf(LF, start);
          if (nl < 0) break;
          const piece = chunk.subarray(start, nl);
          const lineStart = offset;
          if (skipping) {
            const length = pendingLength + piece.length;
            offset += length + 1;
            skipping = false;
            pending = [];
            pendingLength = 0;
            yield tooLong(lineStart, length);
          } else {
            const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece], pendingLength + piece.length);
            offset += bytes.length + 1;
            pending = [];
            pendingLength = 0;
            yield bytes.length > maxLineBytes ? tooLong(lineStart, bytes.length) : makeLine(bytes, lineStart);
          }
          start = nl + 1;
        }
        if (start < chunk.length) {
          pendingLength += chunk.length - start;
          if (!skipping) pending.push(chunk.subarray(start));
          if (!skipping && pendingLength > maxLineBytes) {
            skipping = true;
            pending = [];
          }
        }
      }
    } catch (error) {
      throw readProblem(path, error, lineNo + 1);
    }
    if (skipping) {
      yield tooLong(offset, pendingLength);
      offset += pendingLength;
      pendingLength = 0;
    }
    if (pendingLength > 0) {
      const bytes = Buffer.concat(pending, pendingLength);
      // A file that holds nothing but a BOM has no lines.
      const onlyBom = lineNo === 0 && bytes.length === 3 && bytes.equals(Buffer.from(BOM));
      if (!onlyBom) yield makeLine(bytes, offset);
    }
    finished = true;
    digest.resolve(tally, lineNo, gzip);
  } catch (error) {
    digest.fail(error as Error);
    throw error;
  } finally {
    if (!finished) digest.fail(new Error(`reading ${path} stopped before the end of the file`));
  }
}

/**
 * Parses one JSON Lines record. Python's bare `NaN`, `Infinity` and `-Infinity` are accepted
 * outside strings and become `null`. Bad JSON throws
 * `ImportError(file, line, '(json)', 'invalid JSON at column N: …', 'INVALID_JSON')`,
 * the column being 1-based in UTF-16 code units. A string or key spelling `\u0000` throws
 * `ImportError(file, line, <field path>, 'contains U+0000 …', 'NUL_CHARACTER')` unless
 * `nul: 'keep'` (the caller cleans it, as the Amazon importer does).
 */
export function parseJsonLine(text: string, file: string, line: number, options: { nul?: 'reject' | 'keep' } = {}): unknown {
  try {
    const value = parseJsonText(text);
    if (options.nul !== 'keep') rejectNul(value, text, file, line);
    return value;
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new ImportError(file, line, '(json)', `invalid JSON at column ${error.position + 1}: ${error.reason}`, 'INVALID_JSON');
    }
    throw error;
  }
}
