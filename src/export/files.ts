import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { ExportFile } from './types';

/**
 * A file written through a stream that hashes and counts what it writes, and waits for the
 * disk when the stream's buffer is full, so that an export's memory does not grow with its size.
 */
export class ExportFileWriter {
  private readonly stream: fs.WriteStream;
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    outDir: string,
    readonly name: string,
  ) {
    const file = path.join(outDir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.stream = fs.createWriteStream(file);
  }

  async write(chunk: string | Buffer): Promise<void> {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(buffer);
    this.bytes += buffer.length;
    if (!this.stream.write(buffer)) await once(this.stream, 'drain');
  }

  async close(): Promise<ExportFile> {
    this.stream.end();
    await once(this.stream, 'finish');
    return { name: this.name, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/** Writes a small file at once (manifests, vocabularies, markers). */
export async function writeExportFile(outDir: string, name: string, content: string | Buffer): Promise<ExportFile> {
  const writer = new ExportFileWriter(outDir, name);
  await writer.write(content);
  return writer.close();
}
