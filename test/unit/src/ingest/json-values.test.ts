import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ImportError } from '../../../../src/ingest/errors';
import { type JsonValue, readJsonValues } from '../../../../src/ingest/json-values';
import { tempDir } from '../../ingest/tmp-files';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function all(file: string): Promise<JsonValue[]> {
  const out: JsonValue[] = [];
  for await (const v of readJsonValues(file)) out.push(v);
  return out;
}

const valuesOf = async (file: string) => (await all(file)).map((v) => ({ value: v.value, line: v.line }));

function parseError(value: JsonValue): ImportError {
  try {
    void value.value;
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error('expected the value to be malformed');
}

const PRETTY = `{"A": {"n": 1}}
{
    "B": {
        "list": [
            "x]",
            "{y"
        ],
        "n": NaN
    }
}

{"C": {"n": 3}}
`;

describe('readJsonValues', () => {
  it('yields one-line and pretty-printed values with the line each starts on', async () => {
    expect(await valuesOf(tmp.file('final_data.jsonl', PRETTY))).toEqual([
      { value: { A: { n: 1 } }, line: 1 },
      { value: { B: { list: ['x]', '{y'], n: null } }, line: 2 },
      { value: { C: { n: 3 } }, line: 12 },
    ]);
  });

  it('reads gzip by content, skips a BOM and reports the digest', async () => {
    const gz = gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PRETTY)]));
    const reader = readJsonValues(tmp.file('final_data.jsonl', gz));
    const lines: number[] = [];
    for await (const v of reader) lines.push(v.line);
    expect(lines).toEqual([1, 2, 12]);
    expect(await reader.digest()).toEqual({ sha256: createHash('sha256').update(gz).digest('hex'), byteLength: gz.length, lineCount: 12, gzip: true });
  });

  it('cuts values that touch each other, scalars, strings with escapes', async () => {
    const text = String.raw`{"a":"}\"{"}[1,[2]]"s\"t" 42 true null{"b":1}-1.5e3`;
    expect((await valuesOf(tmp.file('touching.json', text))).map((v) => v.value)).toEqual([{ a: '}"{' }, [1, [2]], 's"t', 42, true, null, { b: 1 }, -1500]);
  });

  it('counts lines through scalars, escaped line breaks and blank lines', async () => {
    const reader = readJsonValues(tmp.file('lines.jsonl', '1\n2\n\n"a\\\nb"\n{"c":\n3} 4\n'));
    const lines: number[] = [];
    for await (const v of reader) lines.push(v.line);
    expect(lines).toEqual([1, 2, 4, 6, 7]);
    expect((await reader.digest()).lineCount).toBe(7);
  });

  it('streams values across read chunks', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ [`AFAKEUSER${i}`]: { history_interaction: [`B0FAKE${i}`], title: `Amélie ${i} 🐻` } }));
    const text = records.map((r) => JSON.stringify(r, null, 2)).join('\n');
    expect(text.length).toBeGreaterThan(200_000);
    const got = await valuesOf(tmp.file('large.jsonl', text));
    expect(got.map((g) => g.value)).toEqual(records);
    expect(got[1].line).toBe(9);
  });

  it('reports bad JSON at the line of the problem and keeps reading', async () => {
    const got = await all(tmp.file('bad.jsonl', '{"a": 1}\n{\n  "b": 2,\n  "c": x\n}\n{"d": oops}\n{"e": 5}\n'));
    expect(got.map((v) => v.line)).toEqual([1, 2, 6, 7]);
    expect(got[3].value).toEqual({ e: 5 });
    expect(parseError(got[1])).toMatchObject({
      line: 4,
      field: '(json)',
      code: 'INVALID_JSON',
      problem: "invalid JSON at column 8 (in the value that starts on line 2): unexpected character 'x'",
    });
    expect(parseError(got[2]).message).toMatch(/bad\.jsonl:6: \(json\): invalid JSON at column 7: unexpected character 'o'$/);
  });

  it('makes a stray character one bad value', async () => {
    const got = await all(tmp.file('stray.jsonl', '{"a": 1}}\n{"b": 2}'));
    expect(got.map((v) => v.line)).toEqual([1, 1, 2]);
    expect(parseError(got[1]).problem).toBe("invalid JSON at column 1: unexpected character '}'");
    expect(got[2].value).toEqual({ b: 2 });
  });

  it('yields a value cut short by the end of the file; parsing it reports the truncation', async () => {
    const got = await all(tmp.file('truncated.jsonl', '{"a": 1}\n{"b": [1,\n2'));
    expect(got[0].value).toEqual({ a: 1 });
    expect(got[1].truncated).toBe(true);
    expect(parseError(got[1])).toMatchObject({ line: 2, code: 'INVALID_JSON', problem: 'truncated file: the value that starts on this line is not closed' });
    // A number at the very end is complete.
    expect((await all(tmp.file('number-at-end.jsonl', '{"a": 1} 42'))).map((v) => [v.value, v.truncated])).toEqual([
      [{ a: 1 }, false],
      [42, false],
    ]);
  });

  it('reports invalid UTF-8 in a value', async () => {
    const got = await all(tmp.file('utf8.jsonl', Buffer.concat([Buffer.from('"ok"\n"'), Buffer.from([0xff]), Buffer.from('"\n')])));
    expect(got[0].value).toBe('ok');
    expect(parseError(got[1])).toMatchObject({ line: 2, field: '(json)', code: 'INVALID_UTF8', problem: 'invalid UTF-8' });
  });

  it('reads an empty file as no values', async () => {
    const reader = readJsonValues(tmp.file('empty.jsonl', ''));
    expect(await all(tmp.file('empty2.jsonl', '\n\n'))).toEqual([]);
    for await (const _ of reader) throw new Error('no values expected');
    expect((await reader.digest()).lineCount).toBe(0);
  });

  it('rejects the digest when the iteration is abandoned', async () => {
    const reader = readJsonValues(tmp.file('abandon.jsonl', '1 2 3'));
    for await (const _ of reader) break;
    await expect(reader.digest()).rejects.toThrow(/stopped before the end/);
  });
});
