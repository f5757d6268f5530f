import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerExportCommands } from '../../../../src/cli/export';
import { CliError } from '../../../../src/cli/common';
import { streamDialogues } from '../../../../src/dialogues/stream';
import { planExport, writeExport } from '../../../../src/export/formats';
import { SplitName } from '../../../../src/modules/dialogue/dialogue.type';
import { pyJsonString, releaseTurnText } from '../../../../src/export/release';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample, SAMPLE_RELEASE } from '../../../support/sample';
import { runCli } from '../../../support/cli';

let db: TestDatabase;
let tmp: string;
const SPLITS = ['train', 'valid', 'test'];
const fileOf = (split: string) => `Movies_and_TV_llama3.1_reserved_special_token_10_${split}.jsonl`;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-release-'));
}, 120_000);

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await db?.drop();
});

async function exportRelease(request: Record<string, unknown>, dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const planned = await planExport(db.dataSource.manager, { format: 'RELEASE', ...request });
  return writeExport(planned, { dataSource: db.dataSource, outDir: dir });
}

test('the imported sample release exports back byte for byte, with a manifest of counts and hashes', async () => {
  const dir = path.join(tmp, 'roundtrip');
  const report = await exportRelease({}, dir);
  for (const split of SPLITS) {
    const original = fs.readFileSync(path.join(SAMPLE_RELEASE, fileOf(split)));
    const exported = fs.readFileSync(path.join(dir, fileOf(split)));
    expect(exported.toString('utf8')).toBe(original.toString('utf8'));
    expect(exported.equals(original)).toBe(true);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const split of SPLITS) {
    const lines = fs.readFileSync(path.join(SAMPLE_RELEASE, fileOf(split)), 'utf8').trim().split('\n');
    const byStereotype: Record<string, number> = {};
    for (const line of lines) {
      const scenario = JSON.parse(line).scenario as string;
      byStereotype[scenario] = (byStereotype[scenario] ?? 0) + 1;
    }
    const entry = manifest.files.find((f: { name: string }) => f.name === fileOf(split));
    expect(entry.dialogues).toBe(lines.length);
    expect(entry.byStereotype).toEqual(byStereotype);
    expect(entry.sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(SAMPLE_RELEASE, fileOf(split)))).digest('hex'));
  }
  // The sample has 45 / 10 / 10 lines per split.
  expect(report.counts).toEqual({ [fileOf('train')]: 45, [fileOf('valid')]: 10, [fileOf('test')]: 10 });
  expect(report.files.map((f) => f.name)).toEqual([...SPLITS.map(fileOf), 'manifest.json']);
  expect(report.warnings).toEqual([]);
});

test('a split list and a stereotype narrow the release; the files keep the published line order', async () => {
  const dir = path.join(tmp, 'narrow');
  const stereotype = 'History-Only Explorer';
  await exportRelease({ split: ['valid'], stereotype }, dir);
  expect(fs.readdirSync(dir).sort()).toEqual([fileOf('valid'), 'manifest.json'].sort());
  const expected = fs
    .readFileSync(path.join(SAMPLE_RELEASE, fileOf('valid')), 'utf8')
    .split('\n')
    .filter((line) => line && JSON.parse(line).scenario === stereotype);
  expect(expected.length).toBeGreaterThan(0);
  expect(fs.readFileSync(path.join(dir, fileOf('valid')), 'utf8')).toBe(expected.map((l) => `${l}\n`).join(''));
});

test('lines follow the positions assignSplits stored (docs/pipeline.md §9), then id', async () => {
  const rows: Array<{ id: number }> = await db.dataSource.query(`SELECT id FROM dialogues WHERE split = 'valid' ORDER BY id`);
  // Reversed positions for all but the first dialogue, which keeps none and so comes last.
  const positioned = rows.slice(1);
  await db.dataSource.query(`UPDATE dialogues d SET split_position = p.pos FROM unnest($1::int[], $2::int[]) AS p(id, pos) WHERE d.id = p.id`, [
    positioned.map((r) => r.id),
    positioned.map((_, i) => positioned.length - 1 - i),
  ]);
  try {
    const dir = path.join(tmp, 'positions');
    await exportRelease({ split: ['valid'] }, dir);
    const original = fs.readFileSync(path.join(SAMPLE_RELEASE, fileOf('valid')), 'utf8').trim().split('\n');
    const expected = [...original.slice(1).reverse(), original[0]];
    expect(fs.readFileSync(path.join(dir, fileOf('valid')), 'utf8')).toBe(expected.map((l) => `${l}\n`).join(''));
    // The same order across keyset batches.
    const streamed: number[] = [];
    for await (const d of streamDialogues(db.dataSource.manager, { filter: { split: SplitName.VALID }, order: 'split', batchSize: 3 })) streamed.push(d.id);
    expect(streamed).toEqual([...positioned.map((r) => r.id).reverse(), rows[0].id]);
  } finally {
    await db.dataSource.query(`UPDATE dialogues SET split_position = NULL`);
  }
});

test('release rendering: markers at every or only the first assistant mention; tags and unresolved markers stay verbatim', () => {
  const M = '<|reserved_special_token_10|>';
  const turn = {
    role: 'ASSISTANT' as const,
    // "Try Paddington 2, then Paddington 2 again, or <id_B0NOTREAL9>, or <marker>."
    text: `Try Paddington 2, then Paddington 2 again, or <id_B0NOTREAL9>, or ${M}.`,
    mentions: [
      { itemId: 1, asin: 'B0FAKE0003', rawId: 'B0FAKE0003', start: 4, end: 16, isRecommendation: true, isFirstMention: true },
      { itemId: 1, asin: 'B0FAKE0003', rawId: 'B0FAKE0003', start: 23, end: 35, isRecommendation: true, isFirstMention: false },
      { itemId: null, asin: null, rawId: 'B0NOTREAL9', start: 46, end: 61, isRecommendation: true, isFirstMention: false },
      { itemId: null, asin: null, rawId: '', start: 66, end: 66 + M.length, isRecommendation: true, isFirstMention: false },
    ],
  };
  expect(releaseTurnText(turn, 'every', new Set())).toBe(`Try ${M} Paddington 2, then ${M} Paddington 2 again, or <id_B0NOTREAL9>, or ${M}.`);
  expect(releaseTurnText(turn, 'first', new Set())).toBe(`Try ${M} Paddington 2, then Paddington 2 again, or <id_B0NOTREAL9>, or ${M}.`);
  // User turns are never marked.
  expect(releaseTurnText({ ...turn, role: 'USER' }, 'every', new Set())).toBe(turn.text);
});

test('JSON strings are written like Python json.dumps, with or without ensure_ascii', () => {
  expect(pyJsonString('é “x” \n\t"\\ 😀')).toBe('"é “x” \\n\\t\\"\\\\ 😀"');
  expect(pyJsonString('é “x” 😀', true)).toBe('"\\u00e9 \\u201cx\\u201d \\ud83d\\ude00"');
  expect(pyJsonString('\u0001\u007f', true)).toBe('"\\u0001\\u007f"');
});

test('bad options are refused up front, naming the argument', async () => {
  const plan = (request: Record<string, unknown>) => planExport(db.dataSource.manager, { format: 'RELEASE', ...request });
  await expect(plan({ marking: 'sometimes' })).rejects.toMatchObject({ message: expect.stringMatching(/^input\.marking: expected one of every, first/), extensions: { code: 'BAD_USER_INPUT', argument: 'input.marking' } });
  await expect(plan({ tokenize: 'gpt2' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.tokenize' } });
  await expect(plan({ split: ['dev'] })).rejects.toMatchObject({ extensions: { argument: 'input.split[0]' } });
  await expect(plan({ stereotype: 'Nobody' })).rejects.toMatchObject({ message: expect.stringContaining('unknown stereotype "Nobody"'), extensions: { argument: 'input.stereotype' } });
});

describe('recdial export release', () => {
  let logged: string[];
  const run = async (...args: string[]) => {
    ({ logs: logged } = await runCli(db.url, (p) => registerExportCommands(p.command('export')), ['export', ...args]));
  };

  test('writes the release into a new folder', async () => {
    const out = path.join(tmp, 'cli-out');
    await run('release', '--out', out, '--quiet');
    expect(fs.readFileSync(path.join(out, fileOf('test')))).toEqual(fs.readFileSync(path.join(SAMPLE_RELEASE, fileOf('test'))));
    expect(logged.join('\n')).toContain('Counts: ');
  });

  test('a bad flag is a CLI error naming it, and leaves nothing behind', async () => {
    const parent = path.join(tmp, 'cli-bad');
    fs.mkdirSync(parent);
    await expect(run('release', '--out', path.join(parent, 'out'), '--stereotype', 'Nobody', '--quiet')).rejects.toThrow(CliError);
    await expect(run('release', '--out', path.join(parent, 'out'), '--stereotype', 'Nobody', '--quiet')).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test('export jsonl --out FILE writes that one file; --split narrows it', async () => {
    const parent = path.join(tmp, 'cli-jsonl');
    fs.mkdirSync(parent);
    await run('jsonl', '--out', path.join(parent, 'test.jsonl'), '--split', 'test', '--quiet');
    expect(fs.readdirSync(parent)).toEqual(['test.jsonl']);
    const lines = fs.readFileSync(path.join(parent, 'test.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(10);
    expect(new Set(lines.map((l) => l.split))).toEqual(new Set(['test']));
    expect(lines[0]).not.toHaveProperty('provenance');
  });

  test('refuses a folder that is not empty', async () => {
    const out = path.join(tmp, 'cli-full');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    await expect(run('release', '--out', out, '--quiet')).rejects.toThrow(/^--out: .* is not empty; give a new or empty folder/);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });
});
