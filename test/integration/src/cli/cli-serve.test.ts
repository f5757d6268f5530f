import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { main, program } from '../../../../src/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { ROOT } from '../../../support/sample';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('recdial --version prints the version of package.json', async () => {
  const out: string[] = [];
  program.exitOverride().configureOutput({ writeOut: (s) => void out.push(s) });
  await expect(program.parseAsync(['--version'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.version' });
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(out.join('')).toBe(`${version}\n`);
});

test('serve on a taken port: one line naming PORT and --port, exit code 1, no stack trace', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = db.url;
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
  try {
    const code = await main(['node', 'recdial', 'serve', '--port', String(port), '--no-sample']);
    expect(code).toBe(1);
  } finally {
    spy.mockRestore();
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    blocker.close();
  }
  expect(errors).toEqual([`recdial: port ${port} is already in use (is recdial already running?); choose another with PORT=${port + 1} or --port ${port + 1}`]);
  expect(process.listenerCount('SIGINT')).toBe(0);
});
