import fs from 'node:fs';
import path from 'node:path';

/**
 * The test tree mirrors the source tree (docs/architecture.md §4): the tests of `src/ingest/…`
 * are under `test/unit/src/ingest/` and `test/integration/src/ingest/`, those of
 * `generator/worker/…` under `test/<kind>/generator/worker/`, and so on; only whole-project
 * checks (the dependency rule, Docker, this test) sit directly in `test/<kind>/`. A newcomer
 * finds a module's tests by its path, and a test placed in a folder that mirrors nothing fails
 * here.
 */
const root = path.resolve(__dirname, '..', '..');

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__snapshots__' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

test.each(['unit', 'integration'])('every test under test/%s/ sits in a folder that exists in the repository', (kind) => {
  const base = path.join(root, 'test', kind);
  const files = testFiles(base);
  expect(files.length).toBeGreaterThan(10);
  const misplaced = files
    .map((file) => path.relative(base, path.dirname(file)))
    .filter((folder) => folder !== '' && !fs.statSync(path.join(root, folder), { throwIfNoEntry: false })?.isDirectory());
  expect([...new Set(misplaced)]).toEqual([]);
});
