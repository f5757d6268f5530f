/**
 * A bounded closed-loop load generator: `concurrency` workers each run one request after the
 * other until the duration or the request cap is reached. Latencies are kept exactly (one
 * float per request) and the percentiles computed from them, the same way for HTTP and SQL.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Hard cap on the number of requests (bounds memory and time whatever happens). */
  maxRequests: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Runs `task(i)` (i = 0, 1, 2, … across all workers) under the given load; a task signals failure by throwing. */
export async function runLoad(task: (i: number) => Promise<unknown>, options: LoadOptions): Promise<LoadResult & { latencies: Float64Array }> {
  const latencies = new Float64Array(options.maxRequests);
  let ok = 0;
  let next = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (next < options.maxRequests && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      try {
        await task(i);
        latencies[ok++] = performance.now() - t0;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        // A failing target fails fast: do not spin on it for the whole duration.
        if (errors > 1000 && errors > ok) return;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return summarize([latencies.slice(0, ok)], errors, firstError, seconds);
}

/**
 * One result from the latencies of one or more runs (rounds of the same target interleaved with
 * other targets, so that a machine whose load drifts affects every target alike).
 */
export function summarize(runs: Float64Array[], errors: number, firstError: string | null, seconds: number): LoadResult & { latencies: Float64Array } {
  const ok = runs.reduce((n, r) => n + r.length, 0);
  const all = new Float64Array(ok);
  let at = 0;
  for (const r of runs) {
    all.set(r, at);
    at += r.length;
  }
  const sorted = all.sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: ok,
    errors,
    firstError,
    seconds,
    rps: ok / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: ok ? sum / ok : NaN,
    max: ok ? sorted[ok - 1] : NaN,
    latencies: sorted,
  };
}

/** A keep-alive GraphQL-over-HTTP client for 127.0.0.1. */
export class GraphQLClient {
  private readonly agent: http.Agent;

  constructor(
    readonly port: number,
    readonly path = '/graphql',
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  static body(query: string, variables: Record<string, unknown> = {}): Buffer {
    return Buffer.from(JSON.stringify({ query, variables }), 'utf8');
  }

  /** POSTs a prepared body; resolves with the raw response body, rejects on a non-200 status or GraphQL errors. */
  post(body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: this.path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${data.toString('utf8', 0, 300)}`));
            else if (data.includes('"errors"')) reject(new Error(`GraphQL errors: ${data.toString('utf8', 0, 300)}`));
            else resolve(data);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async query<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const data = await this.post(GraphQLClient.body(query, variables));
    return (JSON.parse(data.toString('utf8')) as { data: T }).data;
  }

  close(): void {
    this.agent.destroy();
  }
}

export async function httpGetStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}
