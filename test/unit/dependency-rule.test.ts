import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The dependency rule of docs/architecture.md (.dependency-cruiser.cjs, `npm run lint:deps`):
 * every import runs down the floors, never up.
 */
const root = path.resolve(__dirname, '../..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string, paths: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(depcruise, [...paths, '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } catch (error) {
    // depcruise exits non-zero when it finds violations; the JSON is on stdout all the same.
    out = (error as { stdout?: string }).stdout ?? '';
    if (!out) throw error;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

test('no import in src/, generator/ or migrations/ runs up a floor', () => {
  const violations = cruise(root, ['src', 'generator', 'migrations']);
  expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
}, 120_000);

test('the rule refuses an upward import, graphql below the resolver layer, an entity leaning on a feature, and a way into the generator past its entry', () => {
  // A small tree shaped like the project's, cruised with the project's configuration.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-deps-'));
  try {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true } }));
    write('node_modules/graphql/package.json', JSON.stringify({ name: 'graphql', main: 'index.js' }));
    write('node_modules/graphql/index.js', 'exports.GraphQLError = Error;\n');
    write('src/server/app.ts', 'export const app = 1;\n');
    write('src/modules/item/item.service.ts', "import { app } from '../../server/app';\nexport const x = app;\n");
    write('src/db/schema/item.entity.ts', "import { x } from '../../modules/item/item.service';\nexport const y = x;\n");
    write('src/export/hf.ts', "import { GraphQLError } from 'graphql';\nimport { y } from '../db/schema/item.entity';\nexport const e = [GraphQLError, y];\n");
    write('generator/worker/worker.ts', 'export const w = 1;\n');
    write('generator/index.ts', "export { w } from './worker/worker';\n");
    write('src/cli.ts', "import { w } from '../generator/worker/worker';\nimport { w as v } from '../generator';\nexport const c = [w, v];\n");
    write('src/db/entities.ts', "import { y } from './schema/item.entity';\nexport const all = [y];\n");
    const found = cruise(dir, ['src', 'generator']).map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`);
    expect(found.sort()).toEqual(
      [
        'floor-graphql: src/modules/item/item.service.ts → src/server/app.ts',
        'floor-infrastructure: src/db/schema/item.entity.ts → src/modules/item/item.service.ts',
        'no-graphql-below-the-resolver-layer: src/export/hf.ts → node_modules/graphql/index.js',
        'generator-through-its-entry: src/cli.ts → generator/worker/worker.ts',
      ].sort(),
    );
    // Importing an entity from the floors above (src/export/hf.ts) or its own (src/db/entities.ts) is allowed.
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
