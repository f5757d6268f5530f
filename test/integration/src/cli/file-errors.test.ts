import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CliError } from '../../../../src/cli/common';
import { registerEvalRecCommands } from '../../../../src/cli/eval-rec';
import { registerExportCommands } from '../../../../src/cli/export';
import { importDistillRecDial } from '../../../../src/ingest/distillrecdial.load';
import { ImportError, InputFileError } from '../../../../src/ingest/errors';
import { importRedial } from '../../../../src/ingest/redial.load';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { runCli } from '../../../support/cli';
import { createTestDatabase, type TestDatabase } from '../../../support/db';
import { importSample, SAMPLE_RELEASE, SAMPLE_TMDB } from '../../../support/sample';

/**
 * Files a careless user gives the importers and the CLI: each failure is one `file:line: field:
 * problem` or `file: problem` line (the classes the CLI prints without a stack trace), and
 * nothing is half-written.
 */
let db: TestDatabase;
let dir: string;
const quiet = { quiet: true };

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-file-errors-'));
}, 120_000);
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
};
const releaseLines = (split: string) => fs.readFileSync(path.join(SAMPLE_RELEASE, `Movies_and_TV_llama3.1_reserved_special_token_10_${split}.jsonl`), 'utf8').split('\n').filter(Boolean);
const count = async (table: string) => Number((await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** What the CLI prints for these classes is `recdial: <message>`, no stack. */
const printedCleanly = (error: Error) => error instanceof ImportError || error instanceof InputFileError || error instanceof CliError || error.name === 'ImportFailed';

test('an escaped \\u0000 in a release line: file:line: field: contains U+0000, and nothing imported', async () => {
  const before = await count('dialogues');
  const lines = releaseLines('test');
  const record = JSON.parse(lines[1]);
  record.text = `${record.text.slice(0, 20)}\u0000${record.text.slice(20)}`;
  const file = write('nul/Movies_and_TV_nul_test.jsonl', [lines[0], JSON.stringify(record), ...lines.slice(2)].join('\n'));
  const error = await failure(() => importDistillRecDial(db.dataSource, [file], quiet));
  expect(printedCleanly(error)).toBe(true);
  expect(error.message).toContain(`${file}:2: text: contains U+0000 (a NUL character), which PostgreSQL cannot store`);
  expect(error.message).not.toMatch(/invalid byte sequence|unexpected error/);
  expect(await count('dialogues')).toBe(before);
});

test('an escaped \\u0000 in a peer dataset line (ReDial) names the field', async () => {
  const file = write('redial/test_data.jsonl', `${JSON.stringify({ conversationId: '1', messages: [{ text: 'hi\u0000', senderWorkerId: 1, messageId: 1 }], movieMentions: {}, initiatorWorkerId: 1, respondentWorkerId: 2 })}\n`);
  const error = await failure(() => importRedial(db.dataSource, [file]));
  expect(printedCleanly(error)).toBe(true);
  expect(error.message).toContain(`${file}:1: messages[0].text: contains U+0000`);
});

test('an escaped \\u0000 in a TMDB record names the field', async () => {
  const movies = JSON.parse(fs.readFileSync(SAMPLE_TMDB, 'utf8'));
  const first = Array.isArray(movies) ? movies[0] : movies[Object.keys(movies)[0]];
  const tampered = JSON.stringify(Array.isArray(movies) ? [{ ...first, title: `A\u0000B` }] : { [Object.keys(movies)[0]]: { ...first, title: 'A\u0000B' } });
  const file = write('tmdb-nul.json', tampered);
  const error = await failure(() => importTmdb(db.dataSource, file, quiet));
  expect(printedCleanly(error)).toBe(true);
  expect(error.message).toMatch(/tmdb-nul\.json:1: .*title: contains U\+0000/);
});

test('a release file gzipped and truncated mid-stream: file:line: (gzip): … truncated, nothing imported', async () => {
  const before = await count('dialogues');
  const whole = gzipSync(Buffer.from(releaseLines('train').join('\n')));
  const file = write('cut/Movies_and_TV_cut_train.jsonl', whole.subarray(0, Math.floor(whole.length * 0.6)));
  const error = await failure(() => importDistillRecDial(db.dataSource, [file], quiet));
  expect(printedCleanly(error)).toBe(true);
  expect(error.message).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+: \\(gzip\\): the compressed data ends in the middle of this line: the gzip file is truncated`));
  expect(error.stack?.split('\n')[0]).not.toMatch(/Z_BUF_ERROR|unexpected end of file/);
  expect(await count('dialogues')).toBe(before);
});

test('a TMDB path that is a directory: "file: is a directory"', async () => {
  const error = await failure(() => importTmdb(db.dataSource, dir, quiet));
  expect(error).toBeInstanceOf(InputFileError);
  expect(error.message).toBe(`${dir}: is a directory; give the path of a file`);
});

test('recdial eval rec --predictions DIR: one line naming the path', async () => {
  const error = await failure(() => runCli(db.url, (p) => registerEvalRecCommands(p.command('eval')), ['eval', 'rec', '--quiet', '--predictions', dir]));
  expect(printedCleanly(error)).toBe(true);
  expect(error.message).toBe(`${dir}: is a directory; give the path of a file`);
});

test('recdial export release --out FILE: says it is a file, writes nothing', async () => {
  const file = write('not-a-folder.txt', 'keep me');
  const error = await failure(() => runCli(db.url, (p) => registerExportCommands(p.command('export')), ['export', 'release', '--quiet', '--out', file]));
  expect(error).toBeInstanceOf(CliError);
  expect(error.message).toBe(`--out: ${file} is a file; give a new or empty folder`);
  expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  expect(fs.readdirSync(dir).filter((n) => n.startsWith('.recdial-export'))).toEqual([]);
});
