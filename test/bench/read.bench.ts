/**
 * `npm run bench:read`: read throughput and latency of recdial's GraphQL API against
 * PostGraphile 5 serving the same database and against the raw SQL of the same data through
 * `pg`, in one run, on a DistillRecDial-sized dataset loaded by recdial's importer.
 *
 * Scenarios (docs/api.md names):
 *   (a) a page of 50 dialogues of one stereotype with turns and target item (rotating over the
 *       first --pages pages, walked with each side's own cursors)
 *   (b) one dialogue by id with turns and mentions (rotating over --ids dialogues)
 *   (c) an item by ASIN with the first 20 dialogues that mention it (rotating over the --asins
 *       most-mentioned items)
 *
 *   node dist/test/bench/read.bench.js [--scale 1] [--concurrency 16] [--duration 10] [--warmup 2]
 *        [--loader recdial|copy] [--only a,b,c] [--servers recdial,postgraphile,sql] [--keep] [--rounds 1]
 *        [--database URL]
 *
 * --keep keeps the loaded database (of DATABASE_URL's server) and prints its URL; --database URL
 * runs on such a database again, as loaded, instead of loading a new one (for quick iterations).
 * BENCH_PORTS=first-last makes the servers (and an embedded PostgreSQL) listen in that range.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool, PoolClient } from 'pg';
import { GraphQLClient, LoadResult, httpGetStatus, runLoad, summarize } from './load';
import {
  CLI,
  PgCluster,
  ROOT,
  ScratchDatabase,
  analyze,
  createScratchDatabase,
  fmt,
  fmtInt,
  freePort,
  importWithRecdial,
  loadWithCopy,
  log,
  onInterrupt,
  recdialCliExists,
  recdialEnv,
  startPostgres,
  table,
  withClient,
  writeJson,
} from './support';
import { DEFAULT_OUT, SYNTH_ARG_OPTIONS, synthParamsFrom, synthesize } from './synthesize';

const STEREOTYPE = 'Fully Expressive Seeker';
const PAGE_SIZE = 50;
const ITEM_DIALOGUES = 20;

type ServerName = 'recdial' | 'postgraphile' | 'sql';
const SERVER_LABEL: Record<ServerName, string> = { recdial: 'recdial', postgraphile: 'PostGraphile 5', sql: 'raw SQL (pg)' };
type ScenarioName = 'a' | 'b' | 'c';
const SCENARIO_LABEL: Record<ScenarioName, string> = {
  a: `(a) page of ${PAGE_SIZE} "${STEREOTYPE}" dialogues with turns and target`,
  b: '(b) one dialogue by id with turns and mentions',
  c: `(c) item by ASIN with its first ${ITEM_DIALOGUES} mentioning dialogues`,
};

// ---------------------------------------------------------------------------------------------
// The queries, three ways

const RECDIAL = {
  a: `query($stereotype: String!, $after: String) {
  dialogues(first: ${PAGE_SIZE}, after: $after, filter: { stereotype: $stereotype }) {
    edges { node { id turns { index role text } targetItem { asin title } } }
    pageInfo { endCursor hasNextPage }
  }
}`,
  b: `query($id: ID!) {
  dialogue(id: $id) { id turns { index role text mentions { rawId isRecommendation item { asin title } } } }
}`,
  c: `query($asin: String) {
  item(asin: $asin) { title dialogues(role: MENTION, first: ${ITEM_DIALOGUES}) { edges { node { id } } } }
}`,
};

/**
 * PostGraphile's Amber schema for the same tables. The unique indexes on stereotypes.key and
 * items.asin are indexes, not constraints, so PostGraphile offers conditions, not unique
 * lookups, for them. "Dialogues that mention an item" is a many-to-many through turn_mentions:
 * PostGraphile's idiom is a computed column, the SQL function below.
 */
const POSTGRAPHILE = {
  a: `query($stereotype: String!, $after: Cursor) {
  allStereotypes(condition: { key: $stereotype }) { nodes {
    dialoguesByStereotypeId(first: ${PAGE_SIZE}, after: $after, condition: { status: "ACCEPTED" }, orderBy: PRIMARY_KEY_ASC) {
      edges { node { id turnsByDialogueId(orderBy: IDX_ASC) { nodes { idx role text } } itemByTargetItemId { asin title } } }
      pageInfo { endCursor hasNextPage }
    }
  } }
}`,
  b: `query($id: ID!) {
  dialogue(id: $id) { id turnsByDialogueId(orderBy: IDX_ASC) { nodes { idx role text
    turnMentionsByTurnId(orderBy: PRIMARY_KEY_ASC) { nodes { rawId isRecommendation itemByItemId { asin title } } } } } }
}`,
  c: `query($asin: String!) {
  allItems(condition: { asin: $asin }, first: 1) { nodes { title mentionDialogues(first: ${ITEM_DIALOGUES}) { edges { node { id } } } } }
}`,
};

const POSTGRAPHILE_DDL = `
CREATE OR REPLACE FUNCTION items_mention_dialogues(i items) RETURNS SETOF dialogues LANGUAGE sql STABLE AS $$
  SELECT d.* FROM dialogues d
  WHERE d.status = 'ACCEPTED' AND EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.item_id = i.id)
  ORDER BY d.id
$$;
COMMENT ON FUNCTION items_mention_dialogues(items) IS 'recdial read benchmark: the dialogues that mention an item (Item.dialogues(role: MENTION)), for PostGraphile.';`;

/** The minimal SQL for the same data: named (prepared) statements, one pooled client per request. */
const SQL = {
  a: [
    {
      name: 'bench_a_page',
      text: `SELECT d.id, i.asin, i.title FROM dialogues d LEFT JOIN items i ON i.id = d.target_item_id
             WHERE d.stereotype_id = (SELECT s.id FROM stereotypes s WHERE s.key = $1) AND d.status = 'ACCEPTED' AND d.id > $2
             ORDER BY d.id LIMIT ${PAGE_SIZE + 1}`,
    },
    { name: 'bench_a_turns', text: 'SELECT dialogue_id, idx, role, text FROM turns WHERE dialogue_id = ANY($1) ORDER BY dialogue_id, idx' },
  ],
  b: [
    { name: 'bench_b_turns', text: 'SELECT t.id, t.idx, t.role, t.text FROM dialogues d JOIN turns t ON t.dialogue_id = d.id WHERE d.id = $1 ORDER BY t.idx' },
    {
      name: 'bench_b_mentions',
      text: 'SELECT m.turn_id, m.raw_id, m.is_recommendation, i.asin, i.title FROM turn_mentions m LEFT JOIN items i ON i.id = m.item_id WHERE m.dialogue_id = $1 ORDER BY m.id',
    },
  ],
  c: [
    { name: 'bench_c_item', text: 'SELECT id, title FROM items WHERE asin = $1' },
    {
      name: 'bench_c_dialogues',
      text: `SELECT d.id FROM dialogues d
             WHERE d.status = 'ACCEPTED' AND EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.item_id = $1)
             ORDER BY d.id LIMIT ${ITEM_DIALOGUES + 1}`,
    },
  ],
};

interface SqlTurn {
  dialogue_id?: number;
  id?: number;
  idx: number;
  role: string;
  text: string;
}

/** What one request fetched, in a shape common to the three sides (for the fairness check). */
interface Volume {
  dialogues: number;
  turns: number;
  mentions: number;
  resolvedItems: number;
  /** Digest of the content (texts, roles, ASINs, titles) in a canonical order. */
  digest: string;
}

function digest(value: unknown): string {
  return crypto.createHash('sha1').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

async function sqlA(c: PoolClient, afterId: number) {
  const page = await c.query<{ id: number; asin: string | null; title: string | null }>({ ...SQL.a[0], values: [STEREOTYPE, afterId] });
  const rows = page.rows.slice(0, PAGE_SIZE);
  const turns = await c.query<SqlTurn>({ ...SQL.a[1], values: [rows.map((r) => r.id)] });
  return { rows, hasNextPage: page.rows.length > PAGE_SIZE, turns: turns.rows };
}

async function sqlB(c: PoolClient, id: number) {
  const turns = await c.query<SqlTurn>({ ...SQL.b[0], values: [id] });
  const mentions = await c.query<{ turn_id: number; raw_id: string; is_recommendation: boolean; asin: string | null; title: string | null }>({ ...SQL.b[1], values: [id] });
  return { turns: turns.rows, mentions: mentions.rows };
}

async function sqlC(c: PoolClient, asin: string) {
  const item = await c.query<{ id: number; title: string }>({ ...SQL.c[0], values: [asin] });
  if (!item.rows.length) return null;
  const dialogues = await c.query<{ id: number }>({ ...SQL.c[1], values: [item.rows[0].id] });
  return { title: item.rows[0].title, dialogues: dialogues.rows.slice(0, ITEM_DIALOGUES) };
}

// ---------------------------------------------------------------------------------------------
// Volumes of each side's answers

type TurnLike = { idx: number; role: string; text: string; mentions?: Array<{ rawId: string; isRecommendation: boolean; asin: string | null; title: string | null }> };

function volumeOf(dialogues: Array<{ turns: TurnLike[]; target?: { asin: string; title: string } | null }>): Volume {
  let turns = 0;
  let mentions = 0;
  let resolvedItems = 0;
  const canonical = dialogues.map((d) => {
    turns += d.turns.length;
    if (d.target) resolvedItems++;
    return {
      target: d.target ? [d.target.asin, d.target.title] : null,
      turns: [...d.turns]
        .sort((x, y) => x.idx - y.idx)
        .map((t) => {
          const ms = (t.mentions ?? []).map((m) => [m.rawId, m.isRecommendation, m.asin, m.title]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
          mentions += ms.length;
          resolvedItems += ms.filter((m) => m[2] !== null).length;
          return [t.idx, t.role, t.text, ms];
        }),
    };
  });
  return { dialogues: dialogues.length, turns, mentions, resolvedItems, digest: digest(canonical) };
}

const volumes = {
  recdialA: (d: any): Volume =>
    volumeOf(d.dialogues.edges.map((e: any) => ({ target: e.node.targetItem, turns: e.node.turns.map((t: any) => ({ idx: t.index, role: t.role, text: t.text })) }))),
  postgraphileA: (d: any): Volume =>
    volumeOf(
      d.allStereotypes.nodes[0].dialoguesByStereotypeId.edges.map((e: any) => ({
        target: e.node.itemByTargetItemId,
        turns: e.node.turnsByDialogueId.nodes.map((t: any) => ({ idx: t.idx, role: t.role, text: t.text })),
      })),
    ),
  sqlA: (r: Awaited<ReturnType<typeof sqlA>>): Volume =>
    volumeOf(r.rows.map((row) => ({ target: row.asin ? { asin: row.asin, title: row.title! } : null, turns: r.turns.filter((t) => t.dialogue_id === row.id) }))),
  recdialB: (d: any): Volume =>
    volumeOf([
      {
        turns: d.dialogue.turns.map((t: any) => ({
          idx: t.index,
          role: t.role,
          text: t.text,
          mentions: t.mentions.map((m: any) => ({ rawId: m.rawId, isRecommendation: m.isRecommendation, asin: m.item?.asin ?? null, title: m.item?.title ?? null })),
        })),
      },
    ]),
  postgraphileB: (d: any): Volume =>
    volumeOf([
      {
        turns: d.dialogue.turnsByDialogueId.nodes.map((t: any) => ({
          idx: t.idx,
          role: t.role,
          text: t.text,
          mentions: t.turnMentionsByTurnId.nodes.map((m: any) => ({ rawId: m.rawId, isRecommendation: m.isRecommendation, asin: m.itemByItemId?.asin ?? null, title: m.itemByItemId?.title ?? null })),
        })),
      },
    ]),
  sqlB: (r: Awaited<ReturnType<typeof sqlB>>): Volume =>
    volumeOf([
      {
        turns: r.turns.map((t) => ({
          idx: t.idx,
          role: t.role,
          text: t.text,
          mentions: r.mentions.filter((m) => m.turn_id === t.id).map((m) => ({ rawId: m.raw_id, isRecommendation: m.is_recommendation, asin: m.asin, title: m.title })),
        })),
      },
    ]),
  c: (title: string | null | undefined, count: number): Volume => ({ dialogues: count, turns: 0, mentions: 0, resolvedItems: title ? 1 : 0, digest: digest([title ?? null, count]) }),
};

// ---------------------------------------------------------------------------------------------
// Servers

interface ServerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, port: number): ServerProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (c: Buffer) => {
    out = (out + c.toString('utf8')).slice(-32_768);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  return {
    name,
    port,
    child,
    output: () => out,
    stop: async () => {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

async function waitUntil(server: ServerProcess, ready: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`${server.name} exited with ${server.child.exitCode}:\n${server.output()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${server.name} was not ready after ${timeoutMs / 1000} s:\n${server.output()}`);
}

// ---------------------------------------------------------------------------------------------

interface Prepared {
  /** One request per rotation slot. */
  recdial: Buffer[];
  postgraphile: Buffer[];
  sql: Array<(c: PoolClient) => Promise<unknown>>;
  /** Volumes of slot 0..k for each side. */
  check: Record<ServerName, Volume[]>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...SYNTH_ARG_OPTIONS,
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      pages: { type: 'string' },
      ids: { type: 'string' },
      asins: { type: 'string' },
      pool: { type: 'string' },
      loader: { type: 'string' },
      only: { type: 'string' },
      servers: { type: 'string' },
      keep: { type: 'boolean' },
      rounds: { type: 'string' },
      database: { type: 'string' },
    },
    strict: true,
  });
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const concurrency = num(values.concurrency, 16);
  const durationMs = num(values.duration, 10) * 1000;
  const warmupMs = num(values.warmup, 2) * 1000;
  // --duration is split into this many rounds that alternate the servers (a shared machine's load drifts).
  const rounds = Math.max(1, Math.floor(num(values.rounds, 1)));
  const pages = num(values.pages, 10);
  const idCount = num(values.ids, 200);
  const asinCount = num(values.asins, 50);
  const poolSize = num(values.pool, 10);
  const loader = values.loader ?? 'recdial';
  const scenarios = (values.only ?? 'a,b,c').split(',').map((s) => s.trim()) as ScenarioName[];
  const servers = (values.servers ?? 'recdial,postgraphile,sql').split(',').map((s) => s.trim()) as ServerName[];
  for (const s of scenarios) if (!['a', 'b', 'c'].includes(s)) throw new Error(`--only: unknown scenario "${s}"`);
  for (const s of servers) if (!['recdial', 'postgraphile', 'sql'].includes(s)) throw new Error(`--servers: unknown server "${s}"`);
  if (!['recdial', 'copy'].includes(loader)) throw new Error(`--loader must be recdial or copy`);
  if (!servers.includes('recdial') && loader === 'recdial' && !recdialCliExists()) throw new Error('no recdial build: use --loader copy');
  if (servers.includes('recdial') && !recdialCliExists()) throw new Error('dist/src/cli.js does not exist: run `npm run build` (or pass --servers postgraphile,sql --loader copy)');

  const params = synthParamsFrom(values);
  const outRoot = values.out ? path.resolve(values.out) : DEFAULT_OUT;
  const ds = await synthesize(params, { outRoot, force: values.force, log });

  let cluster: PgCluster | null = null;
  let db: ScratchDatabase | null = null;
  const children: ServerProcess[] = [];
  const clients: GraphQLClient[] = [];
  let pool: Pool | null = null;
  const cleanup = async () => {
    for (const c of clients) c.close();
    await pool?.end().catch(() => undefined);
    for (const child of children) await child.stop().catch(() => undefined);
    if (!values.keep) await db?.drop().catch(() => undefined);
    await cluster?.stop();
  };
  onInterrupt(cleanup);

  try {
    let url: string;
    const loadStarted = performance.now();
    if (values.database) {
      // Loaded (and analyzed) by an earlier --keep run.
      url = values.database;
      log(`using the database already loaded at ${url} (--database)`);
    } else {
      cluster = await startPostgres();
      db = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_read');
      url = db.url;
    }
    if (values.database) {
      // Nothing to load.
    } else if (loader === 'recdial') {
      await importWithRecdial(url, ds, log);
    } else {
      log('loading the synthesized rows with COPY (--loader copy)');
      const { createDataSource } = await import('../../src/db/data-source.js');
      const { migrate } = await import('../../src/db/migrate.js');
      const dataSource = createDataSource({ url, poolSize: 2 });
      await dataSource.initialize();
      await migrate(dataSource);
      await dataSource.destroy();
      await loadWithCopy(url, ds);
    }
    if (!values.database) {
      await analyze(url);
      log(`loaded in ${fmt((performance.now() - loadStarted) / 1000, 1)} s (${loader})`);
    }
    if (values.keep) log(`database kept: ${url}`);

    // Servers.
    const gql: Partial<Record<'recdial' | 'postgraphile', GraphQLClient>> = {};
    if (servers.includes('recdial')) {
      const port = await freePort();
      const server = startChild('recdial', [CLI, 'serve', '--port', String(port)], recdialEnv(url), port);
      children.push(server);
      await waitUntil(server, async () => (await httpGetStatus(port, '/readyz')) === 200);
      gql.recdial = new GraphQLClient(port, '/graphql', concurrency);
      clients.push(gql.recdial);
      log(`recdial serving on 127.0.0.1:${port}`);
    }
    if (servers.includes('postgraphile')) {
      await withClient(url, (c) => c.query(POSTGRAPHILE_DDL));
      const port = await freePort();
      const server = startChild(
        'postgraphile',
        [path.join(__dirname, 'postgraphile-server.js'), '--port', String(port), '--pool', String(poolSize)],
        { ...process.env, DATABASE_URL: url, NODE_ENV: 'production' },
        port,
      );
      children.push(server);
      const probe = new GraphQLClient(port);
      await waitUntil(server, async () => probe.query('{ __typename }').then(() => true, () => false));
      probe.close();
      gql.postgraphile = new GraphQLClient(port, '/graphql', concurrency);
      clients.push(gql.postgraphile);
      log(`PostGraphile serving on 127.0.0.1:${port}`);
    }
    pool = new Pool({ connectionString: url, max: poolSize });
    const withPool = async <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
      const c = await pool!.connect();
      try {
        return await fn(c);
      } finally {
        c.release();
      }
    };

    // Rotation sets, walked/looked up once per side, and the fairness check.
    log('preparing request sets');
    const prepared: Partial<Record<ScenarioName, Prepared>> = {};
    const empty = (): Prepared => ({ recdial: [], postgraphile: [], sql: [], check: { recdial: [], postgraphile: [], sql: [] } });

    if (scenarios.includes('a')) {
      const p = empty();
      let after: string | null = null;
      for (let k = 0; k < pages && gql.recdial; k++) {
        const body = GraphQLClient.body(RECDIAL.a, { stereotype: STEREOTYPE, after });
        const data = JSON.parse((await gql.recdial.post(body)).toString('utf8')).data;
        p.recdial.push(body);
        p.check.recdial.push(volumes.recdialA(data));
        after = data.dialogues.pageInfo.endCursor;
        if (!data.dialogues.pageInfo.hasNextPage) break;
      }
      after = null;
      for (let k = 0; k < pages && gql.postgraphile; k++) {
        const body = GraphQLClient.body(POSTGRAPHILE.a, { stereotype: STEREOTYPE, after });
        const data = JSON.parse((await gql.postgraphile.post(body)).toString('utf8')).data;
        p.postgraphile.push(body);
        p.check.postgraphile.push(volumes.postgraphileA(data));
        const info = data.allStereotypes.nodes[0].dialoguesByStereotypeId.pageInfo;
        after = info.endCursor;
        if (!info.hasNextPage) break;
      }
      let afterId = 0;
      for (let k = 0; k < pages; k++) {
        const from = afterId;
        const r = await withPool((c) => sqlA(c, from));
        p.sql.push((c) => sqlA(c, from));
        p.check.sql.push(volumes.sqlA(r));
        afterId = r.rows[r.rows.length - 1]?.id ?? afterId;
        if (!r.hasNextPage) break;
      }
      prepared.a = p;
    }

    if (scenarios.includes('b')) {
      const p = empty();
      // Dialogue ids: from the test split in id order; recdial's ids are opaque, so they are
      // matched to row ids by a digest of their turn texts.
      const rowIds = (
        await withPool((c) => c.query<{ id: number }>(`SELECT id FROM dialogues WHERE split = 'test' AND status = 'ACCEPTED' ORDER BY id LIMIT $1`, [idCount]))
      ).rows.map((r) => r.id);
      if (gql.recdial) {
        const byDigest = new Map<string, string>();
        let after: string | null = null;
        while (byDigest.size < rowIds.length) {
          const data: any = await gql.recdial.query(
            `query($after: String) { dialogues(first: 100, after: $after, filter: { split: TEST }) { edges { node { id turns { text } } } pageInfo { endCursor hasNextPage } } }`,
            { after },
          );
          for (const e of data.dialogues.edges) byDigest.set(md5(e.node.turns.map((t: any) => t.text).join('\n')), e.node.id);
          after = data.dialogues.pageInfo.endCursor;
          if (!data.dialogues.pageInfo.hasNextPage) break;
        }
        const digests = await withPool((c) =>
          c.query<{ id: number; d: string }>(`SELECT dialogue_id AS id, md5(string_agg(text, E'\\n' ORDER BY idx)) AS d FROM turns WHERE dialogue_id = ANY($1) GROUP BY dialogue_id`, [rowIds]),
        );
        const digestOf = new Map(digests.rows.map((r) => [r.id, r.d]));
        for (const id of rowIds) {
          const gid = byDigest.get(digestOf.get(id)!);
          if (!gid) throw new Error(`dialogue ${id} not found through recdial's dialogues(filter: { split: TEST })`);
          p.recdial.push(GraphQLClient.body(RECDIAL.b, { id: gid }));
        }
      }
      if (gql.postgraphile) {
        for (const id of rowIds) {
          const data: any = await gql.postgraphile.query(`query($id: Int!) { dialogueByRowId(rowId: $id) { id } }`, { id });
          p.postgraphile.push(GraphQLClient.body(POSTGRAPHILE.b, { id: data.dialogueByRowId.id }));
        }
      }
      for (const id of rowIds) p.sql.push((c) => sqlB(c, id));
      for (let k = 0; k < Math.min(20, rowIds.length); k++) {
        if (gql.recdial) p.check.recdial.push(volumes.recdialB(JSON.parse((await gql.recdial.post(p.recdial[k])).toString('utf8')).data));
        if (gql.postgraphile) p.check.postgraphile.push(volumes.postgraphileB(JSON.parse((await gql.postgraphile.post(p.postgraphile[k])).toString('utf8')).data));
        p.check.sql.push(volumes.sqlB(await withPool((c) => sqlB(c, rowIds[k]))));
      }
      prepared.b = p;
    }

    if (scenarios.includes('c')) {
      const p = empty();
      const asins = (
        await withPool((c) =>
          c.query<{ asin: string; n: number }>(
            `SELECT i.asin, count(DISTINCT m.dialogue_id)::int AS n FROM turn_mentions m JOIN items i ON i.id = m.item_id
             GROUP BY i.asin HAVING count(DISTINCT m.dialogue_id) >= ${ITEM_DIALOGUES} ORDER BY n DESC, i.asin LIMIT $1`,
            [asinCount],
          ),
        )
      ).rows;
      if (!asins.length) throw new Error(`no item is mentioned in ${ITEM_DIALOGUES} dialogues: the dataset is too small for scenario (c)`);
      log(`(c): ${asins.length} items, mentioned in ${asins[asins.length - 1].n}–${asins[0].n} dialogues each`);
      for (const { asin } of asins) {
        if (gql.recdial) p.recdial.push(GraphQLClient.body(RECDIAL.c, { asin }));
        if (gql.postgraphile) p.postgraphile.push(GraphQLClient.body(POSTGRAPHILE.c, { asin }));
        p.sql.push((c) => sqlC(c, asin));
      }
      for (let k = 0; k < Math.min(20, asins.length); k++) {
        if (gql.recdial) {
          const d: any = JSON.parse((await gql.recdial.post(p.recdial[k])).toString('utf8')).data;
          p.check.recdial.push(volumes.c(d.item?.title, d.item?.dialogues.edges.length ?? 0));
        }
        if (gql.postgraphile) {
          const d: any = JSON.parse((await gql.postgraphile.post(p.postgraphile[k])).toString('utf8')).data;
          const item = d.allItems.nodes[0];
          p.check.postgraphile.push(volumes.c(item?.title, item?.mentionDialogues.edges.length ?? 0));
        }
        const r = await withPool((c) => sqlC(c, asins[k].asin));
        p.check.sql.push(volumes.c(r?.title, r?.dialogues.length ?? 0));
      }
      prepared.c = p;
    }

    // Fairness: the same data from every side.
    const checks: Record<string, { slots: number; totals: Record<string, Omit<Volume, 'digest'>>; identical: boolean }> = {};
    for (const s of scenarios) {
      const p = prepared[s]!;
      const sides = servers.filter((n) => p.check[n].length);
      const slots = Math.min(...sides.map((n) => p.check[n].length));
      const totals: Record<string, Omit<Volume, 'digest'>> = {};
      for (const n of sides) {
        const vs = p.check[n].slice(0, slots);
        totals[n] = {
          dialogues: vs.reduce((a, v) => a + v.dialogues, 0),
          turns: vs.reduce((a, v) => a + v.turns, 0),
          mentions: vs.reduce((a, v) => a + v.mentions, 0),
          resolvedItems: vs.reduce((a, v) => a + v.resolvedItems, 0),
        };
      }
      let identical = true;
      for (let k = 0; k < slots; k++) {
        const ds = new Set(sides.map((n) => p.check[n][k].digest));
        if (ds.size > 1) identical = false;
      }
      checks[s] = { slots, totals, identical };
      const t = sides.map((n) => `${SERVER_LABEL[n]}: ${totals[n].dialogues} dialogues, ${totals[n].turns} turns, ${totals[n].mentions} mentions, ${totals[n].resolvedItems} items`).join(' | ');
      log(`check ${s} over ${slots} requests: ${identical ? 'same data from every side' : 'DIFFERENT DATA'} (${t})`);
    }

    // Load.
    const results: Record<string, Partial<Record<ServerName, LoadResult>>> = {};
    const loadOptions = { concurrency, durationMs: durationMs / rounds, maxRequests: 1_000_000 };
    for (const s of scenarios) {
      const p = prepared[s]!;
      results[s] = {};
      const runs: Partial<Record<ServerName, Array<LoadResult & { latencies: Float64Array }>>> = {};
      for (let round = 0; round < rounds; round++) for (const n of servers) {
        let task: (i: number) => Promise<unknown>;
        if (n === 'sql') {
          const fns = p.sql;
          task = (i) => withPool(fns[i % fns.length]);
        } else {
          const client = gql[n]!;
          const bodies = p[n];
          task = (i) => client.post(bodies[i % bodies.length]);
        }
        if (warmupMs > 0 && round === 0) await runLoad(task, { ...loadOptions, durationMs: warmupMs });
        const r = await runLoad(task, loadOptions);
        (runs[n] ??= []).push(r);
        log(`${s} ${SERVER_LABEL[n]}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}: ${fmt(r.rps, 0)} req/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`);
      }
      for (const n of servers) {
        const rs = runs[n]!;
        const { latencies: _latencies, ...merged } = summarize(
          rs.map((r) => r.latencies),
          rs.reduce((a, r) => a + r.errors, 0),
          rs.find((r) => r.firstError)?.firstError ?? null,
          rs.reduce((a, r) => a + r.seconds, 0),
        );
        results[s][n] = merged;
      }
    }

    // Report.
    const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : NaN);
    console.log('');
    console.log(
      `Read benchmark: ${fmtInt(ds.manifest.counts.dialogues)} dialogues / ${fmtInt(ds.manifest.counts.turns)} turns / ${fmtInt(ds.manifest.counts.items)} items, ` +
        `loaded by ${loader === 'recdial' ? "recdial's importer" : 'COPY'}; concurrency ${concurrency}, ${durationMs / 1000} s per server${rounds > 1 ? ` in ${rounds} alternating rounds` : ''} after ${warmupMs / 1000} s warm-up; ` +
        `pools of ${poolSize} connections; ${os.cpus().length} CPUs shared by client, servers and PostgreSQL`,
    );
    for (const s of scenarios) {
      const r = results[s];
      console.log('');
      console.log(`${SCENARIO_LABEL[s]}  [rotating over ${prepared[s]!.sql.length} ${s === 'a' ? 'pages' : s === 'b' ? 'dialogues' : 'items'}; data check: ${checks[s].identical ? 'identical' : 'DIFFERENT'}]`);
      console.log(
        table(
          ['server', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors'],
          servers.map((n) => [SERVER_LABEL[n], fmtInt(r[n]!.requests), fmt(r[n]!.rps, 0), fmt(r[n]!.p50), fmt(r[n]!.p90), fmt(r[n]!.p99), r[n]!.errors]),
        ),
      );
    }
    const ratioRows: Array<Array<string>> = [];
    for (const s of scenarios) {
      const r = results[s];
      for (const peer of ['postgraphile', 'sql'] as const) {
        if (!r.recdial || !r[peer]) continue;
        ratioRows.push([
          `(${s}) recdial / ${SERVER_LABEL[peer]}`,
          fmt(ratio(r.recdial.rps, r[peer]!.rps)),
          fmt(ratio(r.recdial.p50, r[peer]!.p50)),
          fmt(ratio(r.recdial.p99, r[peer]!.p99)),
        ]);
      }
    }
    if (ratioRows.length) {
      console.log('');
      console.log('Ratios (req/s: above 1 = recdial serves more; latency: below 1 = recdial answers faster)');
      console.log(table(['comparison', 'req/s ratio', 'p50 ratio', 'p99 ratio'], ratioRows));
    }

    const outFile = path.join(outRoot, 'read.json');
    writeJson(outFile, {
      bench: 'read',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      postgres: values.database ? 'a database loaded earlier (--database)' : cluster?.embedded ? 'embedded' : 'DATABASE_URL',
      params,
      dataset: { dir: path.relative(ROOT, ds.dir), counts: ds.manifest.counts },
      loader,
      settings: { concurrency, durationMs, rounds, warmupMs, pages, ids: idCount, asins: asinCount, poolSize, stereotype: STEREOTYPE },
      queries: { recdial: RECDIAL, postgraphile: POSTGRAPHILE, postgraphileDdl: POSTGRAPHILE_DDL.trim(), sql: SQL },
      checks,
      results,
      ratios: Object.fromEntries(
        scenarios.map((s) => [
          s,
          Object.fromEntries(
            (['postgraphile', 'sql'] as const)
              .filter((peer) => results[s].recdial && results[s][peer])
              .map((peer) => [peer, { rps: ratio(results[s].recdial!.rps, results[s][peer]!.rps), p50: ratio(results[s].recdial!.p50, results[s][peer]!.p50), p99: ratio(results[s].recdial!.p99, results[s][peer]!.p99) }]),
          ),
        ]),
      ),
    });
    console.log(`results written to ${path.relative(ROOT, outFile)}`);
    const bad = scenarios.filter((s) => !checks[s].identical || servers.some((n) => results[s][n]!.errors > 0));
    if (bad.length) {
      console.error(`WARNING: scenario(s) ${bad.join(', ')} had errors or different data across servers`);
      process.exitCode = 1;
    }
  } catch (error) {
    // A server's own account of a failure (e.g. PostGraphile logs errors it masks) is in its output.
    for (const child of children) console.error(`--- ${child.name} output (tail) ---\n${child.output().slice(-4000)}`);
    throw error;
  } finally {
    await cleanup();
  }
}

function md5(text: string): string {
  return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
