import fs from 'node:fs';
import { Command } from 'commander';
import pino from 'pino';
import { startWorker } from '../../generator';
import { loadConfig } from '../config/config';
import { describeDatabase, openDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import { loadSampleOnce } from '../ingest/sample';
import { startServer } from '../server/app';
import { printSdl } from '../server/schema';
import { CliError, portNumber, positiveInt } from './common';

/** `recdial serve` and `recdial migrate`: the API process and the schema it needs. */
export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the GraphQL API (what `npm start` runs)')
    .option('--port <port>', 'port to listen on (default: PORT or 4000)', portNumber)
    .option('--no-sample', 'do not load the bundled sample into a new embedded database')
    .action(async (opts: { port?: number; sample: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      let server: Awaited<ReturnType<typeof startServer>> | undefined;
      const stop = async () => {
        await server?.close();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Only the embedded default gets the sample on its own: a real DATABASE_URL is never written unasked.
      if (db.embedded && opts.sample && config.loadSample) {
        if (await loadSampleOnce(db.dataSource, config.rootDir)) console.log('Loaded the bundled sample dataset.');
      }
      const port = opts.port ?? config.port;
      try {
        server = await startServer({ dataSource: db.dataSource, config, port });
      } catch (error) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await db.close();
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new CliError(`port ${port} is already in use (is recdial already running?); choose another with PORT=${port + 1} or --port ${port + 1}`);
        }
        throw error;
      }
      console.log(`recdial listening on ${server.url} (${describeDatabase(db, config)})`);
    });

  program
    .command('migrate')
    .description('apply pending migrations under an advisory lock')
    .action(async () => {
      const db = await openDatabase(loadConfig(), { migrations: 'ignore', poolSize: 2 });
      try {
        const applied = await migrate(db.dataSource);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to migrate: the schema is current.');
      } finally {
        await db.close();
      }
    });
}

/** `recdial worker`: a generation worker. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('a generation worker: takes queued jobs for every role with a configured endpoint (any number may run)')
    .option('--concurrency <n>', 'requests in flight per endpoint (default: TEACHER_/STUDENT_/JUDGE_MAX_IN_FLIGHT or 64)', positiveInt)
    .action(async (opts: { concurrency?: number }) => {
      const config = loadConfig();
      const db = await openDatabase(config, { poolSize: 8 });
      const logger = pino({ level: config.logLevel });
      const worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger, concurrency: opts.concurrency });
      console.log(`recdial worker ${worker.id} working for ${worker.roles.join(' and ')} (${describeDatabase(db, config)})`);
      const stop = async () => {
        console.log('stopping: finishing the requests in flight …');
        await worker.stop();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/** `recdial schema`: the GraphQL SDL. */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the GraphQL schema (SDL)')
    .option('--out <file>', 'write it to a file instead')
    .action(async (opts: { out?: string }) => {
      const sdl = await printSdl();
      if (opts.out) fs.writeFileSync(opts.out, sdl);
      else process.stdout.write(sdl);
    });
}
