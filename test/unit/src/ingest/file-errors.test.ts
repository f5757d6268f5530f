import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { ImportError, InputFileError } from '../../../../src/ingest/errors';
import { readJsonArray } from '../../../../src/ingest/json-array';
import { readJsonValues } from '../../../../src/ingest/json-values';
import { lineLimits, parseJsonLine, readLines } from '../../../../src/ingest/lines';
import { tempDir } from '../../ingest/tmp-files';

/** Files a careless or hostile user gives an importer: each is a `file:line: field: problem` or `file: problem`. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function texts(file: string, maxLineBytes?: number): Promise<Array<string | Error>> {
  const out: Array<string | Error> = [];
  for await (const line of readLines(file, { maxLineBytes })) {
    try {
      out.push(line.text);
    } catch (error) {
      out.push(error as Error);
    }
  }
  return out;
}

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ line: i + 1, text: 'x'.repeat(200) })).join('\n') + '\n';

test('a gzip file truncated mid-stream: file:line of the line being read, no raw zlib error', async () => {
  const whole = gzipSync(Buffer.from(lines(2000)));
  const file = tmp.file('cut.jsonl.gz', whole.subarray(0, Math.floor(whole.length / 2)));
  const read: unknown[] = [];
  const reader = readLines(file);
  const error = await failure(async () => {
    for await (const line of reader) read.push(line.text);
  });
  expect(error).toBeInstanceOf(ImportError);
  expect(error.message).toBe(`${file}:${read.length + 1}: (gzip): the compressed data ends in the middle of this line: the gzip file is truncated (an interrupted download?)`);
  expect((error as ImportError).code).toBe('TRUNCATED_GZIP');
  await expect(reader.digest()).rejects.toBe(error);
});

test('corrupt gzip data is named as such', async () => {
  const whole = gzipSync(Buffer.from(lines(50)));
  whole.fill(0x41, 20, 60);
  const error = await failure(() => texts(tmp.file('corrupt.jsonl.gz', whole)));
  expect(error).toBeInstanceOf(ImportError);
  expect(error.message).toMatch(/corrupt\.jsonl\.gz:1: \(gzip\): corrupt gzip data: /);
});

test('a truncated gzip JSON array or JSON values file says so too', async () => {
  const whole = gzipSync(Buffer.from(`[${Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, t: 'y'.repeat(100) })).join(',\n')}]`));
  const file = tmp.file('cut.json.gz', whole.subarray(0, whole.length - 40));
  const error = await failure(async () => {
    for await (const element of readJsonArray(file)) element.value;
  });
  expect(error).toBeInstanceOf(ImportError);
  expect(error.message).toMatch(/cut\.json\.gz:\d+: \(gzip\): .*truncated/);
});

test('a line over the limit is that line\'s error; the lines after it are still read', async () => {
  const file = tmp.file('long.jsonl', `{"a":1}\n${'z'.repeat(5000)}\n{"b":2}\n${'w'.repeat(3000)}`);
  const out = await texts(file, 1024);
  expect(out[0]).toBe('{"a":1}');
  expect(out[1]).toBeInstanceOf(ImportError);
  expect((out[1] as Error).message).toBe(`${file}:2: (line): longer than the limit of 0.0 MiB (0.0 MiB); is this a JSON Lines file? RECDIAL_MAX_LINE_BYTES raises the limit`);
  expect(out[2]).toBe('{"b":2}');
  expect((out[3] as ImportError).line).toBe(4);
  expect((out[3] as ImportError).code).toBe('LINE_TOO_LONG');
});

test('a 50 MB single line is refused under the default limit without buffering it', async () => {
  const file = path.join(path.dirname(tmp.file('probe', '')), 'fifty.jsonl');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
  fs.writeSync(fd, '\n{"ok":true}\n');
  fs.closeSync(fd);
  const before = process.memoryUsage().arrayBuffers;
  const out = await texts(file);
  expect(lineLimits.maxBytes).toBe(16 * 1024 * 1024);
  expect(out).toHaveLength(2);
  expect((out[0] as Error).message).toBe(`${file}:1: (line): longer than the limit of 16.0 MiB (50.0 MiB); is this a JSON Lines file? RECDIAL_MAX_LINE_BYTES raises the limit`);
  expect(out[1]).toBe('{"ok":true}');
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(40 * 1024 * 1024);
});

test('a JSON value over the limit ends the read with file:line', async () => {
  const saved = lineLimits.maxBytes;
  lineLimits.maxBytes = 2048;
  try {
    const file = tmp.file('big.json', `[{"a": 1},\n {"b": "${'q'.repeat(10_000)}"}]`);
    const error = await failure(async () => {
      for await (const element of readJsonArray(file)) element.value;
    });
    expect(error.message).toBe(`${file}:2: (json): the value that starts on this line is longer than the limit of 0.0 MiB; RECDIAL_MAX_LINE_BYTES raises the limit`);
  } finally {
    lineLimits.maxBytes = saved;
  }
});

test.each([
  ['readLines', (p: string) => texts(p)],
  ['readJsonArray', async (p: string) => { for await (const _ of readJsonArray(p)); }],
  ['readJsonValues', async (p: string) => { for await (const _ of readJsonValues(p)); }],
])('%s of a directory: "file: is a directory"', async (_name, read) => {
  const dir = path.dirname(tmp.file('x', ''));
  const error = await failure(() => read(dir));
  expect(error).toBeInstanceOf(InputFileError);
  expect(error.message).toBe(`${dir}: is a directory; give the path of a file`);
});

test('an escaped U+0000 in a JSON line names the field; a raw NUL byte in a text line names the column', async () => {
  expect(() => parseJsonLine('{"messages": [{"content": "ok"}, {"content": "a\\u0000b"}]}', 'r.jsonl', 7)).toThrow(
    new ImportError('r.jsonl', 7, 'messages[1].content', 'contains U+0000 (a NUL character), which PostgreSQL cannot store'),
  );
  expect(() => parseJsonLine('{"k\\u0000": 1}', 'r.jsonl', 3)).toThrow('r.jsonl:3: k\u0000: contains U+0000');
  // A backslash followed by "u0000" is not a NUL.
  expect(parseJsonLine('{"text": "\\\\u0000"}', 'r.jsonl', 1)).toEqual({ text: '\\u0000' });
  expect(parseJsonLine('{"text": "a\\u0000"}', 'r.jsonl', 1, { nul: 'keep' })).toEqual({ text: 'a\u0000' });
  const out = await texts(tmp.file('nul.tsv', 'a\tb\nc\u0000d\te\n'));
  expect(out[0]).toBe('a\tb');
  expect((out[1] as Error).message).toMatch(/nul\.tsv:2: \(line\): contains U\+0000 \(a NUL byte\) at column 2, which PostgreSQL cannot store$/);
});

test('an escaped U+0000 in a JSON array element or value names the field', async () => {
  const file = tmp.file('nul.json', '[{"a": "x"},\n {"dialog": [{"text": "y\\u0000"}]}]');
  const values: unknown[] = [];
  const errors: string[] = [];
  for await (const element of readJsonArray(file)) {
    try {
      values.push(element.value);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  expect(values).toEqual([{ a: 'x' }]);
  expect(errors).toEqual([`${file}:2: dialog[0].text: contains U+0000 (a NUL character), which PostgreSQL cannot store`]);
});
