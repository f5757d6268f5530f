/**
 * `npm run bench:soak`: a bounded soak test of recdial's GraphQL API. One `recdial serve` process
 * over a DistillRecDial-shaped dataset (synthesized, loaded by recdial's importer) gets a steady
 * rate of mixed reads for a fixed time; the server's RSS is sampled all along. It prints errors,
 * p50/p99/max latency per kind of read and the RSS samples, and ends by itself.
 *
 * Open loop: requests are sent at the given rate whatever the latency (a slow server does not
 * slow the load down), with a cap on requests in flight; a request over the cap counts as
 * dropped (an error), so that a server that falls behind shows it.
 *
 * The mix, in turn: (a) a page of 20 dialogues with turns, walked with cursors; (b) a dialogue by
 * id with turns and mentions; (c) an item by ASIN with its mentioning dialogues; (d) a full-text
 * search; (e) stereotypes and splits with counts; (f) datasetStatistics of one split (cached per
 * selection after the first request).
 *
 *   node dist/test/bench/soak.bench.js [--seconds 600] [--rate 20] [--max-in-flight 64]
 *        [--sample-every 5] [--scale 0.1] [--keep]
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GraphQLClient, httpGetStatus } from './load';
import { CLI, PgCluster, ROOT, ScratchDatabase, analyze, createScratchDatabase, fmt, freePort, importWithRecdial, log, onInterrupt, recdialCliExists, recdialEnv, startPostgres, table, writeJson } from './support';
import { DEFAULT_OUT, SYNTH_ARG_OPTIONS, synthParamsFrom, synthesize } from './synthesize';

type Kind = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
const KINDS: Kind[] = ['a', 'b', 'c', 'd', 'e', 'f'];
const LABEL: Record<Kind, string> = {
  a: '(a) page of 20 dialogues with turns, by cursor',
  b: '(b) dialogue by id with turns and mentions',
  c: '(c) item by ASIN with 20 mentioning dialogues',
  d: '(d) full-text search, first 10',
  e: '(e) stereotypes and splits with counts',
  f: '(f) datasetStatistics of one split',
};
const QUERIES: Record<Kind, string> = {
  a: 'query($after: String) { dialogues(first: 20, after: $after) { nodes { id turns { index role text } targetItem { asin title } } pageInfo { endCursor hasNextPage } } }',
  b: 'query($id: ID!) { dialogue(id: $id) { id turns { index role text mentions { rawId isRecommendation item { asin title } } } } }',
  c: 'query($asin: String) { item(asin: $asin) { title dialogues(role: MENTION, first: 20) { nodes { id } } } }',
  d: 'query($search: String) { dialogues(first: 10, filter: { search: $search }) { nodes { id } } }',
  e: '{ stereotypes { key dialogueCount } splits { name dialogueCount } }',
  f: 'query($split: SplitName) { datasetStatistics(filter: { split: $split }) { overall { dialogues utterances avgTokensPerUtterance } } }',
};
const SEARCH_TERMS = ['movie', 'thriller', 'comedy', 'recommend', 'love', 'director', 'horror -gore', '"science fiction"'];
const SPLITS = ['TRAIN', 'VALID', 'TEST'];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Resident set size of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

function startServer(port: number, env: NodeJS.ProcessEnv): { child: ChildProcess; output(): string; stop(): Promise<void> } {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-32_768);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...SYNTH_ARG_OPTIONS,
      seconds: { type: 'string' },
      rate: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'sample-every': { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
  const seconds = num('seconds', values.seconds, 600);
  const rate = num('rate', values.rate, 20);
  const maxInFlight = num('max-in-flight', values['max-in-flight'], 64);
  const sampleEveryS = num('sample-every', values['sample-every'], 5);
  if (!recdialCliExists()) throw new Error('dist/src/cli.js does not exist: run `npm run build`');

  const params = synthParamsFrom({ ...values, scale: values.scale ?? '0.1' });
  const ds = await synthesize(params, { outRoot: values.out ? path.resolve(values.out) : DEFAULT_OUT, force: values.force, log });

  let cluster: PgCluster | null = null;
  let db: ScratchDatabase | null = null;
  let server: ReturnType<typeof startServer> | null = null;
  let client: GraphQLClient | null = null;
  const cleanup = async () => {
    client?.close();
    await server?.stop().catch(() => undefined);
    if (!values.keep) await db?.drop().catch(() => undefined);
    await cluster?.stop();
  };
  onInterrupt(cleanup);

  try {
    cluster = await startPostgres();
    db = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_soak');
    await importWithRecdial(db.url, ds, log);
    await analyze(db.url);

    const port = await freePort();
    server = startServer(port, recdialEnv(db.url));
    const readyBy = Date.now() + 120_000;
    while ((await httpGetStatus(port, '/readyz')) !== 200) {
      if (server.child.exitCode !== null) throw new Error(`recdial serve exited with ${server.child.exitCode}:\n${server.output()}`);
      if (Date.now() > readyBy) throw new Error(`recdial serve was not ready after 120 s:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    client = new GraphQLClient(port, '/graphql', maxInFlight);
    const gql = client;

    // What the reads rotate over.
    const ids: string[] = (await gql.query('{ dialogues(first: 100) { nodes { id } } }')).dialogues.nodes.map((n: { id: string }) => n.id);
    const asins: string[] = (await gql.query('{ items(first: 50) { nodes { asin } } }')).items.nodes.map((n: { asin: string }) => n.asin);
    if (!ids.length || !asins.length) throw new Error('the dataset has no dialogues or items');
    let cursor: string | null = null;
    const request = (kind: Kind, i: number): Promise<unknown> => {
      switch (kind) {
        case 'a':
          return gql.query(QUERIES.a, { after: cursor }).then((data) => {
            const page = data.dialogues.pageInfo;
            cursor = page.hasNextPage ? page.endCursor : null;
          });
        case 'b':
          return gql.query(QUERIES.b, { id: ids[i % ids.length] });
        case 'c':
          return gql.query(QUERIES.c, { asin: asins[i % asins.length] });
        case 'd':
          return gql.query(QUERIES.d, { search: SEARCH_TERMS[i % SEARCH_TERMS.length] });
        case 'e':
          return gql.query(QUERIES.e);
        case 'f':
          return gql.query(QUERIES.f, { split: SPLITS[i % SPLITS.length] });
      }
    };

    const latencies: Record<Kind, number[]> = { a: [], b: [], c: [], d: [], e: [], f: [] };
    const errors: Record<Kind, number> = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 };
    const firstErrors: string[] = [];
    let dropped = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const samples: Array<{ t: number; rssMiB: number; inFlight: number; done: number }> = [];
    let done = 0;

    log(`soak: ${seconds} s at ${rate} requests/s (mix ${KINDS.join(', ')}), RSS every ${sampleEveryS} s, pid ${server.child.pid}`);
    const started = performance.now();
    const pid = server.child.pid!;
    const sample = () => samples.push({ t: (performance.now() - started) / 1000, rssMiB: rssMiB(pid), inFlight, done });
    sample();
    const sampler = setInterval(sample, sampleEveryS * 1000);
    const interval = 1000 / rate;
    let sent = 0;
    const end = started + seconds * 1000;
    // Sends each request at its scheduled time (open loop), catching up after timer lateness.
    while (performance.now() < end) {
      const due = started + sent * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const i = sent++;
      const kind = KINDS[i % KINDS.length];
      if (inFlight >= maxInFlight) {
        dropped++;
        errors[kind]++;
        continue;
      }
      inFlight++;
      const t0 = performance.now();
      const p: Promise<void> = request(kind, Math.floor(i / KINDS.length))
        .then(
          () => {
            latencies[kind].push(performance.now() - t0);
          },
          (error: unknown) => {
            errors[kind]++;
            if (firstErrors.length < 5) firstErrors.push(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
          },
        )
        .finally(() => {
          inFlight--;
          done++;
          pending.delete(p);
        });
      pending.add(p);
    }
    await Promise.all(pending);
    clearInterval(sampler);
    sample();
    const elapsed = (performance.now() - started) / 1000;

    const rows = KINDS.map((k) => {
      const sorted = latencies[k].sort((x, y) => x - y);
      return [LABEL[k], String(sorted.length), String(errors[k]), fmt(percentile(sorted, 50), 1), fmt(percentile(sorted, 99), 1), fmt(sorted[sorted.length - 1], 1)];
    });
    const all = KINDS.flatMap((k) => latencies[k]).sort((x, y) => x - y);
    const totalErrors = KINDS.reduce((n, k) => n + errors[k], 0);
    rows.push(['all', String(all.length), String(totalErrors), fmt(percentile(all, 50), 1), fmt(percentile(all, 99), 1), fmt(all[all.length - 1], 1)]);

    // RSS after the first minute (warm-up: caches, JIT) against the end: the leak check.
    const warm = samples.find((s) => s.t >= Math.min(60, seconds / 4)) ?? samples[0];
    const last = samples[samples.length - 1];
    const peak = Math.max(...samples.map((s) => s.rssMiB));
    console.log('');
    console.log(`recdial soak: ${fmt(elapsed, 0)} s, ${sent} requests sent at ${rate}/s (${fmt(all.length / elapsed, 1)}/s answered), ${dropped} dropped over ${maxInFlight} in flight`);
    console.log(`dataset: ${params.dialogues} dialogues, ${params.items} items (scale ${values.scale ?? '0.1'}); ${os.cpus().length} cores, Node ${process.version}`);
    console.log('');
    console.log(table(['read', 'ok', 'errors', 'p50 ms', 'p99 ms', 'max ms'], rows));
    console.log('');
    const every = Math.max(1, Math.round(samples.length / 12));
    console.log(table(['t s', 'RSS MiB', 'in flight', 'answered'], samples.filter((_, i) => i % every === 0 || i === samples.length - 1).map((s) => [fmt(s.t, 0), fmt(s.rssMiB, 1), String(s.inFlight), String(s.done)])));
    console.log('');
    console.log(`RSS: start ${fmt(samples[0].rssMiB, 1)} MiB, after warm-up (${fmt(warm.t, 0)} s) ${fmt(warm.rssMiB, 1)} MiB, end ${fmt(last.rssMiB, 1)} MiB, peak ${fmt(peak, 1)} MiB; growth after warm-up ${fmt(last.rssMiB - warm.rssMiB, 1)} MiB`);
    if (firstErrors.length) console.log(`first errors:\n  ${firstErrors.join('\n  ')}`);
    writeJson(path.join(ROOT, 'test', 'bench', 'out', 'soak.json'), { seconds: elapsed, rate, sent, dropped, errors, firstErrors, latencies: Object.fromEntries(rows.map((r) => [r[0], { ok: Number(r[1]), errors: Number(r[2]), p50: Number(r[3]), p99: Number(r[4]), max: Number(r[5]) }])), samples });
    if (totalErrors > 0) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
