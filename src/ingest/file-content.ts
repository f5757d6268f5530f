/**
 * The byte level shared by the line and array readers: open a file, detect gzip by its magic
 * bytes (docs/formats.md §0: `1f 8b`, never the extension), stream the decompressed content in
 * chunks, and hash the raw on-disk bytes on the way so that an import can record which exact
 * file it read without a second pass.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImportError, InputFileError } from './errors';

/** What a reader knows about a file once it has read all of it. */
export interface FileDigest {
  /** SHA-256 of the raw file bytes as stored (the compressed bytes for a gzip file), lower-case hex. */
  sha256: string;
  /** Size of the raw file in bytes. */
  byteLength: number;
  /**
   * Lines in the (decompressed) content: `\n` count, plus one when the content does not end
   * with `\n`; an empty file has 0 lines. Blank lines count.
   */
  lineCount: number;
  /** Whether the file was gzip-compressed. */
  gzip: boolean;
}

const READ_CHUNK = 1 << 16;

export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** SHA-256 (lower-case hex) of a file's raw bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Raw byte counter and hash, fed by `contentChunks`. */
export interface RawTally {
  hash: Hash;
  byteLength: number;
}

/**
 * Yields the decompressed content of `path` in chunks, feeding every raw byte into `tally`.
 * Breaking out of the iteration closes the file.
 */
export async function* contentChunks(path: string, gzip: boolean, tally: RawTally): AsyncGenerator<Buffer> {
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tally.hash.update(chunk);
      tally.byteLength += chunk.length;
      done(null, chunk);
    },
  });
  // pipeline() propagates an error or an early destroy to every stage; the callback is only
  // there because pipeline requires one — the error also surfaces through the iteration.
  const last: Readable = gzip
    ? pipeline(raw, hasher, createGunzip(), () => undefined)
    : pipeline(raw, hasher, () => undefined);
  for await (const chunk of last) yield chunk as Buffer;
}

/**
 * A promise settled by a reader when its iteration ends: resolved after the last byte, rejected
 * if the iteration failed or was abandoned early. A no-op handler is attached so that a caller
 * who never asks for the digest does not get an unhandled rejection.
 */
export class DigestPromise {
  readonly promise: Promise<FileDigest>;
  private settle!: (digest: FileDigest) => void;
  private reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<FileDigest>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined);
  }

  resolve(tally: RawTally, lineCount: number, gzip: boolean): void {
    this.settle({ sha256: tally.hash.digest('hex'), byteLength: tally.byteLength, lineCount, gzip });
  }

  fail(error: Error): void {
    this.reject(error);
  }
}

export function newTally(): RawTally {
  return { hash: createHash('sha256'), byteLength: 0 };
}

/**
 * What a failure while reading `path` means to the person importing it: a directory, a missing
 * or unreadable file (`file: problem`), or a gzip stream that is cut short or corrupt (an
 * ImportError at `line`, the line being read when the data ended). Anything else unchanged.
 */
export function readProblem(path: string, error: unknown, line: number): unknown {
  if (error instanceof ImportError || error instanceof InputFileError) return error;
  const { code, message } = (error ?? {}) as NodeJS.ErrnoException;
  switch (code) {
    case 'EISDIR':
      return new InputFileError(path, 'is a directory; give the path of a file');
    case 'ENOENT':
      return new InputFileError(path, 'no such file');
    case 'EACCES':
    case 'EPERM':
      return new InputFileError(path, 'permission denied');
    case 'Z_BUF_ERROR':
      return new ImportError(path, line, '(gzip)', 'the compressed data ends in the middle of this line: the gzip file is truncated (an interrupted download?)', 'TRUNCATED_GZIP');
    case 'Z_DATA_ERROR':
    case 'Z_STREAM_ERROR':
      return new ImportError(path, line, '(gzip)', `corrupt gzip data: ${message}`, 'CORRUPT_GZIP');
    default:
      return error;
  }
}
