import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApi, TestApi } from '../../../support/api';
import { testOutputDir } from '../../../support/browser';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample, ROOT } from '../../../support/sample';

/**
 * "Building other tools on the API", as a user does it: GraphQL Code Generator reads the running
 * server's schema by introspection over HTTP and writes TypeScript types for one operation; a
 * small program typed by them is compiled with tsc (strict) and run with node against the server.
 * Child processes are started asynchronously: the server answers from this process.
 */
const run = promisify(execFile);
const BIN = path.join(ROOT, 'node_modules', '.bin');

const OPERATION = `# The operation the generated client is typed for.
query FirstDialogues($first: Int!, $stereotype: String) {
  dialogues(first: $first, filter: { stereotype: $stereotype }) {
    totalCount
    nodes {
      id
      stereotype { key }
      turns { role text }
    }
  }
}
`;

const PROGRAM = `import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FirstDialoguesQuery, FirstDialoguesQueryVariables } from './generated/operations';
import type { Dialogue } from './generated/schema';

async function main(): Promise<void> {
  const query = readFileSync(path.join(__dirname, '..', 'operations', 'first-dialogues.graphql'), 'utf8');
  const variables: FirstDialoguesQueryVariables = { first: 3, stereotype: 'Fully Expressive Seeker' };
  const response = await fetch(process.env.RECDIAL_URL!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: FirstDialoguesQuery; errors?: Array<{ message: string }> };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  const { totalCount, nodes } = body.data.dialogues;
  const dialogues = nodes.map((d) => {
    const stereotype: string | undefined = d.stereotype?.key;
    const firstTurn: string = d.turns[0].text;
    // @ts-expect-error the operation does not select split, so its generated type has no such field
    void d.split;
    const id: Dialogue['id'] = d.id;
    return { id, stereotype, turns: d.turns.length, firstTurn };
  });
  console.log(JSON.stringify({ totalCount, dialogues }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

test('graphql-codegen builds a typed client from the running server; it compiles and runs a query', async () => {
  const dir = testOutputDir('codegen');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'operations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'operations', 'first-dialogues.graphql'), OPERATION);
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'main.ts'), PROGRAM);
  // JSON is YAML; the schema is the server's URL, so codegen introspects it over HTTP. Two files:
  // since v5 typescript-operations writes the enums and inputs it needs itself, so in one file with
  // the typescript plugin's they would be declared twice.
  const generated = path.join(dir, 'src', 'generated');
  const config = {
    overwrite: true,
    schema: api.server.url,
    documents: path.join(dir, 'operations', '*.graphql'),
    generates: {
      [path.join(generated, 'schema.ts')]: { plugins: ['typescript'] },
      [path.join(generated, 'operations.ts')]: { plugins: ['typescript-operations'] },
    },
  };
  fs.writeFileSync(path.join(dir, 'codegen.yml'), JSON.stringify(config, null, 2));

  await run(path.join(BIN, 'graphql-codegen'), ['--config', path.join(dir, 'codegen.yml')], { cwd: ROOT, timeout: 120_000 });
  expect(fs.readFileSync(path.join(generated, 'operations.ts'), 'utf8')).toContain('export type FirstDialoguesQuery = ');
  // The whole schema came through introspection, descriptions included.
  const schemaTypes = fs.readFileSync(path.join(generated, 'schema.ts'), 'utf8');
  expect(schemaTypes).toContain('export type Dialogue = ');
  expect(schemaTypes).toContain('export type GenerationRun = ');

  try {
    await run(
      path.join(BIN, 'tsc'),
      ['--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--esModuleInterop', '--skipLibCheck', '--outDir', path.join(dir, 'dist'), path.join(dir, 'src', 'main.ts'), path.join(generated, 'schema.ts')],
      { cwd: ROOT, timeout: 120_000 },
    );
  } catch (error) {
    throw new Error(`the generated client does not compile:\n${(error as { stdout?: string }).stdout}`);
  }

  const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'main.js')], { env: { ...process.env, RECDIAL_URL: api.server.url }, timeout: 60_000 });
  const result = JSON.parse(stdout) as { totalCount: number; dialogues: Array<{ id: string; stereotype: string; turns: number; firstTurn: string }> };
  const expected = await api.query('{ dialogues(first: 3, filter: { stereotype: "Fully Expressive Seeker" }) { totalCount nodes { id } } }');
  expect(result.totalCount).toBe(expected.data.dialogues.totalCount);
  expect(result.dialogues.map((d) => d.id)).toEqual(expected.data.dialogues.nodes.map((n: { id: string }) => n.id));
  expect(result.dialogues).toHaveLength(3);
  for (const d of result.dialogues) {
    expect(d.stereotype).toBe('Fully Expressive Seeker');
    expect(d.turns).toBeGreaterThan(1);
    expect(d.firstTurn.length).toBeGreaterThan(0);
  }
}, 240_000);
