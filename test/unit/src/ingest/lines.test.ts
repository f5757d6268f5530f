import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ImportError } from '../../../../src/ingest/errors';
import { type Line, parseJsonLine, readLines, sha256File } from '../../../../src/ingest/lines';
import { tempDir } from '../../ingest/tmp-files';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function collect(file: string): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of readLines(file)) out.push(line);
  return out;
}

const view = (lines: Line[]) => lines.map((l) => ({ text: l.text, line: l.line, byteOffset: l.byteOffset }));

describe('readLines', () => {
  it('yields every line with its 1-based number and byte offset, blank lines included', async () => {
    const file = tmp.file('plain.jsonl', '{"a":1}\n\n{"b":"é"}\nlast');
    expect(view(await collect(file))).toEqual([
      { text: '{"a":1}', line: 1, byteOffset: 0 },
      { text: '', line: 2, byteOffset: 8 },
      { text: '{"b":"é"}', line: 3, byteOffset: 9 },
      { text: 'last', line: 4, byteOffset: 20 }, // é is two bytes
    ]);
  });

  it('does not invent a line after a final newline', async () => {
    const file = tmp.file('final-newline.txt', 'a\nb\n');
    expect((await collect(file)).map((l) => l.text)).toEqual(['a', 'b']);
  });

  it('removes a trailing \\r but keeps other carriage returns', async () => {
    const file = tmp.file('crlf.txt', 'one\r\ntwo\r\nthr\ree\r');
    expect((await collect(file)).map((l) => l.text)).toEqual(['one', 'two', 'thr\ree']);
  });

  it('skips a UTF-8 BOM at the start of the file only', async () => {
    const file = tmp.file('bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('first\n\uFEFFsecond\n')]));
    const lines = await collect(file);
    expect(view(lines)).toEqual([
      { text: 'first', line: 1, byteOffset: 3 },
      { text: '\uFEFFsecond', line: 2, byteOffset: 9 },
    ]);
  });

  it('reads nothing from an empty file or a file holding only a BOM', async () => {
    const empty = readLines(tmp.file('empty.txt', ''));
    expect(await collect(tmp.file('empty2.txt', ''))).toEqual([]);
    for await (const _ of empty) throw new Error('no line expected');
    expect(await empty.digest()).toEqual({ sha256: sha256(''), byteLength: 0, lineCount: 0, gzip: false });
    expect(await collect(tmp.file('only-bom.txt', Buffer.from([0xef, 0xbb, 0xbf])))).toEqual([]);
  });

  it('detects gzip by its first two bytes, not by the extension', async () => {
    const content = '{"rating": 5.0}\n{"rating": 4.0}\n';
    const gz = gzipSync(Buffer.from(content));
    const disguised = tmp.file('reviews.jsonl', gz); // gzip without .gz
    const reader = readLines(disguised);
    const lines: Line[] = [];
    for await (const l of reader) lines.push(l);
    expect(view(lines)).toEqual([
      { text: '{"rating": 5.0}', line: 1, byteOffset: 0 },
      { text: '{"rating": 4.0}', line: 2, byteOffset: 16 },
    ]);
    // The digest is of the bytes on disk, i.e. the compressed ones.
    expect(await reader.digest()).toEqual({ sha256: sha256(gz), byteLength: gz.length, lineCount: 2, gzip: true });

    const notGzip = tmp.file('plain.jsonl.gz', content); // .gz name, plain content
    expect((await collect(notGzip)).map((l) => l.text)).toEqual(['{"rating": 5.0}', '{"rating": 4.0}']);
  });

  it('handles a BOM and CRLF inside a gzip file', async () => {
    const gz = gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x\r\ny\r\n')]));
    expect(view(await collect(tmp.file('bom.gz', gz)))).toEqual([
      { text: 'x', line: 1, byteOffset: 3 },
      { text: 'y', line: 2, byteOffset: 6 },
    ]);
  });

  it('reassembles lines and multi-byte characters split across read chunks', async () => {
    // 64 KiB chunks: put a two-byte character and a line break right on chunk boundaries, and a
    // line longer than several chunks.
    const first = 'a'.repeat(65535) + 'é'; // é straddles the 65536-byte boundary
    const long = 'Ł'.repeat(150_000); // 300 KB of two-byte characters
    const content = `${first}\n${long}\nshort\n`;
    const file = tmp.file('chunks.txt', content);
    const lines = await collect(file);
    expect(lines.map((l) => l.text)).toEqual([first, long, 'short']);
    expect(lines.map((l) => l.byteOffset)).toEqual([0, 65538, 65538 + 300_001]);
    const gzLines = await collect(tmp.file('chunks.gz', gzipSync(Buffer.from(content))));
    expect(gzLines.map((l) => l.text)).toEqual([first, long, 'short']);
  });

  it('reports invalid UTF-8 for that line only and keeps going', async () => {
    const file = tmp.file(
      'bad-utf8.jsonl',
      Buffer.concat([Buffer.from('{"ok":1}\n{"bad":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"ok":3}\n')]),
    );
    const lines = await collect(file);
    expect(lines).toHaveLength(3);
    expect(lines[0].text).toBe('{"ok":1}');
    expect(lines[2].text).toBe('{"ok":3}');
    let error: unknown;
    try {
      void lines[1].text;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect(error).toMatchObject({ file, line: 2, field: '(line)', problem: 'invalid UTF-8', code: 'INVALID_UTF8' });
    expect((error as Error).message).toBe(`${file}:2: (line): invalid UTF-8`);
  });

  it('rejects overlong encodings and lone surrogates as invalid UTF-8', async () => {
    const file = tmp.file('overlong.txt', Buffer.concat([Buffer.from([0xc0, 0xaf]), Buffer.from('\n'), Buffer.from([0xed, 0xa0, 0x80])]));
    const lines = await collect(file);
    expect(() => lines[0].text).toThrow(/invalid UTF-8/);
    expect(() => lines[1].text).toThrow(/invalid UTF-8/);
  });

  it('gives the SHA-256 and line count after the iteration', async () => {
    const content = 'a\nb\n\nc';
    const file = tmp.file('digest.txt', content);
    const reader = readLines(file);
    let count = 0;
    for await (const _ of reader) count++;
    expect(count).toBe(4);
    expect(await reader.digest()).toEqual({ sha256: sha256(content), byteLength: 6, lineCount: 4, gzip: false });
    expect(await sha256File(file)).toBe(sha256(content));
  });

  it('rejects the digest when the iteration stops early, and can be iterated once only', async () => {
    const reader = readLines(tmp.file('early.txt', 'a\nb\nc\n'));
    for await (const l of reader) if (l.line === 1) break;
    await expect(reader.digest()).rejects.toThrow(/stopped before the end/);
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('fails the iteration and the digest for a missing file', async () => {
    const reader = readLines(`${tmp.file('x', '')}-missing`);
    await expect(
      (async () => {
        for await (const _ of reader) void _;
      })(),
    ).rejects.toThrow(/-missing: no such file$/);
    await expect(reader.digest()).rejects.toThrow(/-missing: no such file$/);
  });

  it('fails on a corrupt gzip stream', async () => {
    const gz = gzipSync(Buffer.from('x\n'.repeat(1000)));
    const corrupt = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(20, 0xff)]);
    await expect(collect(tmp.file('corrupt.gz', corrupt))).rejects.toThrow();
  });
});

describe('parseJsonLine', () => {
  it('parses standard JSON', () => {
    expect(parseJsonLine('{"rating": 4.0, "images": [], "verified_purchase": true, "t": null}', 'f', 1)).toEqual({
      rating: 4,
      images: [],
      verified_purchase: true,
      t: null,
    });
  });

  it('turns bare NaN, Infinity and -Infinity into null', () => {
    expect(parseJsonLine('{"a": NaN, "b": [Infinity, -Infinity, 1.5e3], "c": -2}', 'f', 1)).toEqual({ a: null, b: [null, null, 1500], c: -2 });
    expect(parseJsonLine('NaN', 'f', 1)).toBeNull();
    expect(parseJsonLine(' [ -Infinity ] ', 'f', 1)).toEqual([null]);
  });

  it('leaves the tokens alone inside strings', () => {
    expect(parseJsonLine('{"overview": "NaN", "x": "Infinity, -Infinity", "y": NaN}', 'f', 1)).toEqual({
      overview: 'NaN',
      x: 'Infinity, -Infinity',
      y: null,
    });
  });

  it('parses strings with escapes exactly like JSON.parse on the tolerant path', () => {
    const text = String.raw`{"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00", "n": NaN, "k": {"__proto__": 1}}`;
    const value = parseJsonLine(text, 'f', 1) as { s: string; k: object };
    expect(value.s).toBe(JSON.parse(text.replace('NaN', 'null')).s);
    expect(Object.getPrototypeOf(value.k)).toBe(Object.prototype);
    expect(Object.keys(value.k)).toEqual(['__proto__']);
  });

  it.each([
    ['{"a": 1,}', 8, "expected a string key, got character '}'"],
    ['{"a": nan}', 6, "unexpected character 'n'"],
    ['{"a": 1', 7, "expected ',' or '}', got end of input"],
    ['[1, 2] x', 7, "unexpected character 'x' after the value"],
    ['{"a": "x\ty"}', 8, 'control character U+0009 inside a string'],
    ['{"a": 01}', 7, "expected ',' or '}', got character '1'"],
    ['{"a": -}', 7, "expected a digit, got character '}'"],
    ['{"a": "\\x41"}', 7, "invalid escape '\\x'"],
    ['{"a": "open', 6, 'unterminated string'],
    ['', 0, 'unexpected end of input'],
    ['Inf', 0, "unexpected character 'I'"],
  ])('reports where %j goes wrong', (text, position, reason) => {
    let error: unknown;
    try {
      parseJsonLine(text, 'reviews.jsonl', 12);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect(error).toMatchObject({
      file: 'reviews.jsonl',
      line: 12,
      field: '(json)',
      code: 'INVALID_JSON',
      problem: `invalid JSON at column ${position + 1}: ${reason}`,
    });
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(() => parseJsonLine(`${'['.repeat(5000)}NaN${']'.repeat(5000)}`, 'f', 1)).toThrow(/nesting deeper than 1000/);
  });
});
