/**
 * PostGraphile 5 (Amber preset) over recdial's database, the peer server of the read benchmark.
 * Run as a child process by read.bench.ts:
 *
 *   DATABASE_URL=… node dist/test/bench/postgraphile-server.js --port 5678 [--pool 10]
 *
 * Prints `listening on http://127.0.0.1:PORT/graphql` once the schema is built.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

// grafast and @dataplan/pg need Node ≥ 22 for Promise.withResolvers; on Node 20 every query fails
// ("Cannot read properties of undefined (reading 'items')"). This is the built-in's definition.
const PromiseWithResolvers = Promise as unknown as { withResolvers?: () => unknown };
if (typeof PromiseWithResolvers.withResolvers !== 'function') {
  PromiseWithResolvers.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, pool: { type: 'string' } }, strict: true });
  const port = Number(values.port ?? 5678);
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is required');
  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [makePgService({ connectionString, schemas: ['public'], poolConfig: { max: Number(values.pool ?? 10) } })],
    grafserv: { port, host: '127.0.0.1', graphqlPath: '/graphql', graphiql: false, watch: false, dangerouslyAllowAllCORSRequests: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  await pgl.getSchemaResult();
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  server.on('error', (error) => {
    console.error(error);
    process.exit(1);
  });
  await serv.addTo(server);
  server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/graphql`));
  const stop = () => {
    server.close();
    void Promise.resolve(pgl.release()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
