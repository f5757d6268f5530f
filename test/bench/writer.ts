import fs from 'node:fs';
import { once } from 'node:events';

/** A buffered, back-pressure-aware text writer: memory stays bounded however much is written. */
export class TextWriter {
  private readonly stream: fs.WriteStream;
  private parts: string[] = [];
  private size = 0;
  bytes = 0;

  constructor(
    readonly file: string,
    private readonly flushAt = 1 << 20,
  ) {
    this.stream = fs.createWriteStream(file, { encoding: 'utf8' });
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.flushAt) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.parts.length) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.bytes += Buffer.byteLength(chunk, 'utf8');
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
  }
}

/** A text field for PostgreSQL's COPY text format; `null` → `\N`. */
export function tsvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** A `text[]` literal (before COPY escaping). */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

export function tsvRow(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${fields.map(tsvField).join('\t')}\n`;
}
