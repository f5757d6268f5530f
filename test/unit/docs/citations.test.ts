/**
 * The repository carries what its code cites: every `docs/<name>.md §x.y` in the sources, the CLI
 * help, the schema descriptions and the README names a document in docs/ and a section it has.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const SOURCES = ['src', 'generator', 'migrations', 'test', 'viewer/src'];
const CITATION = /docs\/(formats|pipeline|metrics|api)\.md(?:`)?(?: (?:§|section )(\d+(?:\.\d+)*))?/g;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'fixtures' && entry.name !== '__snapshots__') out.push(...files(full));
    } else if (/\.(ts|mts|mjs|py|sh)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The section numbers a document has: `## 9. Title` → 9, `### 9.1 Title` → 9.1. */
function sections(doc: string): Set<string> {
  const found = new Set<string>();
  for (const m of doc.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)) found.add(m[1]);
  return found;
}

test('every docs/… citation names a document and a section that exist', () => {
  const docs = new Map<string, Set<string>>();
  const missing: string[] = [];
  let citations = 0;
  const inputs = [...SOURCES.flatMap((d) => files(path.join(ROOT, d))), path.join(ROOT, 'README.md'), path.join(ROOT, 'schema', 'schema.graphql')];
  for (const file of inputs) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(CITATION)) {
      citations++;
      const [, name, section] = m;
      const docPath = path.join(ROOT, 'docs', `${name}.md`);
      if (!docs.has(name)) docs.set(name, fs.existsSync(docPath) ? sections(fs.readFileSync(docPath, 'utf8')) : new Set());
      const known = docs.get(name)!;
      if (!fs.existsSync(docPath)) missing.push(`${path.relative(ROOT, file)}: docs/${name}.md does not exist`);
      else if (section && !known.has(section)) missing.push(`${path.relative(ROOT, file)}: docs/${name}.md has no §${section}`);
    }
  }
  expect(citations).toBeGreaterThan(100);
  expect(missing).toEqual([]);
});
