import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerEvalStatsCommands } from '../../../../src/cli/eval-stats';
import { createTestDatabase, type TestDatabase } from '../../../support/db';
import { runCli } from '../../../support/cli';
import { importSample } from '../../../support/sample';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-svg-'));
}, 120_000);

afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cli = async (args: string[]) => (await runCli(db.url, (p) => registerEvalStatsCommands(p.command('eval')), ['eval', ...args])).stdout;
const FIELDS = ['utterancesPerDialogue', 'tokensPerUtterance', 'tokensPerDialogue', 'itemMentionsPerDialogue', 'dialoguesPerUser'];

test('recdial eval stats --svg DIR writes a histogram per distribution, and per group when grouped', async () => {
  const out = path.join(dir, 'stats');
  const text = await cli(['stats', '--group-by', 'split', '--svg', out]);
  const json = JSON.parse(await cli(['stats', '--group-by', 'split', '--json']));
  const files = fs.readdirSync(out).sort();
  const splits = json.groups.map((g: any) => g.group[0].value);
  const expected = [...FIELDS.map((f) => `${f}.svg`), ...splits.flatMap((s: string) => FIELDS.map((f) => `${f}.split-${s}.svg`))].sort();
  expect(files).toEqual(expected);
  expect(text).toContain(`${expected.length} histograms written to ${out}`);

  // The overall utterances histogram: a bar per bin up to the last observed, with the counts of the statistics.
  const overall = json.overall.distributions.find((d: any) => d.field === 'utterancesPerDialogue');
  const svg = fs.readFileSync(path.join(out, 'utterancesPerDialogue.svg'), 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).toContain('<title>Utterances per dialogue</title>');
  const bars = [...svg.matchAll(/<title>\[[^\])]+\): (\d+)<\/title>/g)].map((m) => Number(m[1]));
  expect(bars.reduce((a, b) => a + b, 0)).toBe(overall.count);
  const lastNonEmpty = overall.bins.map((b: any) => b.count > 0).lastIndexOf(true);
  expect(bars).toEqual(overall.bins.slice(0, lastNonEmpty + 1).map((b: any) => b.count));
  expect(svg).toContain(`n = ${overall.count}`);
});

test('recdial eval diversity --svg: a fitted axis, the published references named, n per point', async () => {
  const file = path.join(dir, 'diversity.svg');
  const json = JSON.parse(await cli(['diversity', '--max-turn', '4', '--json']));
  await cli(['diversity', '--max-turn', '4', '--svg', file]);
  const svg = fs.readFileSync(file, 'utf8');
  const values = json.turns.filter((t: any) => t.similarity !== null);
  const ticks = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]+)</g)].map((m) => Number(m[1]));
  // Fitted: the axis spans the values, not 0–1.
  expect(Math.min(...ticks)).toBeLessThanOrEqual(Math.min(...values.map((t: any) => t.similarity)));
  expect(Math.max(...ticks)).toBeGreaterThanOrEqual(Math.max(...values.map((t: any) => t.similarity)));
  expect(Math.max(...ticks) - Math.min(...ticks)).toBeLessThan(0.5);
  for (const t of values) expect(svg).toContain(`>n=${t.sampled}</text>`);
  expect(svg).toMatch(/DistillRecDial 0\.422/);
  expect(svg).toMatch(/PEARL 0\.598/);
});

test('an --svg folder that cannot be made is a clear error', async () => {
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, 'x');
  await expect(cli(['stats', '--svg', path.join(blocker, 'sub')])).rejects.toThrow(/^--svg .*a-file\/sub: /);
});
