import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ImportError } from '../../../../src/ingest/errors';
import { type ArrayElement, readJsonArray } from '../../../../src/ingest/json-array';
import { tempDir } from '../../ingest/tmp-files';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function elements(file: string): Promise<ArrayElement[]> {
  const out: ArrayElement[] = [];
  for await (const e of readJsonArray(file)) out.push(e);
  return out;
}

async function values(file: string): Promise<Array<{ value: unknown; line: number }>> {
  return (await elements(file)).map((e) => ({ value: e.value, line: e.line }));
}

async function failure(file: string): Promise<ImportError> {
  try {
    await elements(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error('expected the iteration to fail');
}

const TMDB_EXAMPLE = `[
  {"asin": "B0FAKE0003",
   "title": "Paddington 2",
   "overview": NaN,
   "genres": "[{'id': 35, 'name': 'Comedy'}, {'id': 12, 'name': 'Adventure'}]",
   "Visual Caption": "A small bear in a red hat."},
  {"asin": "B0FAKE0001", "title": "Paddington", "popularity": Infinity}
]
`;

describe('readJsonArray', () => {
  it('yields each element with the line it starts on, NaN/Infinity as null', async () => {
    expect(await values(tmp.file('tmdb_movies.json', TMDB_EXAMPLE))).toEqual([
      {
        value: {
          asin: 'B0FAKE0003',
          title: 'Paddington 2',
          overview: null,
          genres: "[{'id': 35, 'name': 'Comedy'}, {'id': 12, 'name': 'Adventure'}]",
          'Visual Caption': 'A small bear in a red hat.',
        },
        line: 2,
      },
      { value: { asin: 'B0FAKE0001', title: 'Paddington', popularity: null }, line: 7 },
    ]);
  });

  it('reads gzip by content and skips a BOM', async () => {
    const gz = gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TMDB_EXAMPLE)]));
    const file = tmp.file('tmdb_movies.json', gz);
    const reader = readJsonArray(file);
    const lines: number[] = [];
    for await (const e of reader) lines.push(e.line);
    expect(lines).toEqual([2, 7]);
    expect(await reader.digest()).toEqual({
      sha256: createHash('sha256').update(gz).digest('hex'),
      byteLength: gz.length,
      lineCount: 8,
      gzip: true,
    });
  });

  it('cuts elements correctly around strings with brackets, commas, quotes and escapes', async () => {
    const text = String.raw`[1, "a,b", "x]y", {"k": "\"]}", "p": ["[", "{"]}, "back\\", [[], {}], null, true, -0.5e2]`;
    expect((await values(tmp.file('tricky.json', text))).map((v) => v.value)).toEqual(JSON.parse(text));
  });

  it('counts lines through escaped line breaks inside strings', async () => {
    const got = await elements(tmp.file('lines.json', '[\n1,\n"a\\\nb",\n{"c":\n3}, 4]\n'));
    expect(got.map((e) => e.line)).toEqual([2, 3, 5, 6]);
  });

  it('reads an empty array and nothing else', async () => {
    expect(await values(tmp.file('empty-array.json', ' [ \n ] \n'))).toEqual([]);
  });

  it('streams a large file across read chunks', async () => {
    const items = Array.from({ length: 4000 }, (_, i) => ({ asin: `B0FAKE${String(i).padStart(4, '0')}`, title: `Amélie ${i} “quoted” 🐻`, n: i }));
    // One element per line after the opening bracket line.
    const text = `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]`;
    expect(text.length).toBeGreaterThan(200_000);
    const got = await values(tmp.file('large.json', text));
    expect(got.map((g) => g.value)).toEqual(items);
    expect(got.map((g) => g.line)).toEqual(items.map((_, i) => i + 2));
  });

  it('keeps going after a malformed element and reports the line of the problem', async () => {
    const text = '[\n{"a": 1},\n{"b":\n  2,\n  "c": x},\n{"d": 4}\n]';
    const got = await elements(tmp.file('bad-element.json', text));
    expect(got.map((e) => e.line)).toEqual([2, 3, 6]);
    expect(got[0].value).toEqual({ a: 1 });
    expect(got[2].value).toEqual({ d: 4 });
    let error: unknown;
    try {
      void got[1].value;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect(error).toMatchObject({ line: 5, field: '(element)', code: 'INVALID_JSON' });
    expect((error as ImportError).problem).toBe("invalid JSON in array element 1 (which starts on line 3): unexpected character 'x'");
  });

  it('reports invalid UTF-8 inside an element', async () => {
    const bytes = Buffer.concat([Buffer.from('[\n"ok",\n"'), Buffer.from([0xff]), Buffer.from('"\n]')]);
    const got = await elements(tmp.file('bad-utf8.json', bytes));
    expect(got[0].value).toBe('ok');
    expect(() => got[1].value).toThrow(ImportError);
    expect(() => got[1].value).toThrow(/:3: \(element\): invalid UTF-8 in array element 1/);
  });

  it('rejects a file that is not an array', async () => {
    const error = await failure(tmp.file('object.json', '\n\n{"asin": "B0FAKE0003"}'));
    expect(error).toMatchObject({ line: 3, field: '(array)', code: 'INVALID_JSON' });
    expect(error.problem).toMatch(/expected a JSON array/);
  });

  it('rejects an empty file', async () => {
    expect((await failure(tmp.file('empty.json', ''))).problem).toMatch(/found no content/);
  });

  it('rejects a truncated file after yielding the complete elements', async () => {
    const file = tmp.file('truncated.json', '[\n{"a": 1},\n{"b": [1,\n2');
    const seen: unknown[] = [];
    let error: unknown;
    try {
      for await (const e of readJsonArray(file)) seen.push(e.value);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual([{ a: 1 }]);
    expect(error).toMatchObject({ line: 4, code: 'INVALID_JSON', problem: 'truncated file: the array is not closed' });
  });

  it('names an unterminated string in a truncated file', async () => {
    expect((await failure(tmp.file('open-string.json', '[{"a": "never closed}]\n'))).problem).toMatch(/unterminated string/);
  });

  it('rejects content after the closing bracket', async () => {
    const error = await failure(tmp.file('trailing.json', '[1, 2]\n\n[3]'));
    expect(error).toMatchObject({ line: 3, problem: 'unexpected content after the closing ] of the array' });
  });

  it('rejects missing elements around commas', async () => {
    expect((await failure(tmp.file('trailing-comma.json', '[1,\n]'))).problem).toMatch(/trailing comma/);
    expect((await failure(tmp.file('leading-comma.json', '[,1]'))).problem).toMatch(/missing array element/);
    expect((await failure(tmp.file('double-comma.json', '[1,,2]'))).problem).toMatch(/missing array element/);
  });

  it('leaves a stray closing brace to the element parser', async () => {
    const got = await elements(tmp.file('stray.json', '[{"a": 1}}, 2]'));
    expect(() => got[0].value).toThrow(/after the value/);
    expect(got[1].value).toBe(2);
  });

  it('rejects the digest when the iteration is abandoned', async () => {
    const reader = readJsonArray(tmp.file('abandon.json', '[1, 2, 3]'));
    for await (const _ of reader) break;
    await expect(reader.digest()).rejects.toThrow(/stopped before the end/);
  });
});
