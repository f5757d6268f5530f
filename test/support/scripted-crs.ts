/**
 * A small scripted conversational recommender over plain HTTP (the UserSimCRS convention:
 * `POST {context: [{role, text}], message}` → `{text, items?}`), for interactive-evaluation tests
 * and benchmarks. Its rule is fixed: before round `targetAfterRounds` it recommends the
 * `popular` items; from then on it ranks the catalogue by how many of the item's genre and
 * keyword words the seeker has used so far (ties by ASIN), a tiny content-based recommender
 * that finds a target the seeker describes well. Only `node:http`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CrsItem {
  asin: string;
  title: string;
  genres: string[];
  keywords: string[];
}

export interface ScriptedCrs {
  url: string;
  /** Every request body, in arrival order. */
  requests: Array<{ context: Array<{ role: string; text: string }>; message: string }>;
  setLatency(ms: number): void;
  stats(): { inFlight: number; maxInFlight: number; completed: number };
  close(): Promise<void>;
}

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

export async function startScriptedCrs(options: {
  items: CrsItem[];
  popular: string[];
  targetAfterRounds: number;
  k?: number;
  /** 'ids': answer with `items` (ASINs); 'titles': only the text names them. */
  answer?: 'ids' | 'titles';
  latencyMs?: number;
}): Promise<ScriptedCrs> {
  const k = options.k ?? 3;
  let latency = options.latencyMs ?? 0;
  const byAsin = new Map(options.items.map((i) => [i.asin, i]));
  const itemWords = options.items.map((i) => ({ item: i, words: words([...i.genres, ...i.keywords].join(' ')) }));
  const requests: ScriptedCrs['requests'] = [];
  const counters = { inFlight: 0, maxInFlight: 0, completed: 0 };

  function recommend(context: Array<{ role: string; text: string }>, message: string): CrsItem[] {
    const round = context.filter((u) => u.role === 'user').length + 1;
    if (round < options.targetAfterRounds) return options.popular.slice(0, k).map((a) => byAsin.get(a)!).filter(Boolean);
    const said = words([...context.filter((u) => u.role === 'user').map((u) => u.text), message].join(' '));
    return itemWords
      .map(({ item, words: w }) => ({ item, score: [...w].filter((x) => said.has(x)).length }))
      .sort((a, b) => b.score - a.score || a.item.asin.localeCompare(b.item.asin))
      .slice(0, k)
      .map((s) => s.item);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== 'POST') return send(404, { detail: 'Not Found' });
      let body: { context?: unknown; message?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { detail: 'invalid JSON' });
      }
      if (!Array.isArray(body.context) || typeof body.message !== 'string') return send(422, { detail: 'expected {context: [...], message: "..."}' });
      const request = { context: body.context as Array<{ role: string; text: string }>, message: body.message };
      requests.push(request);
      counters.inFlight++;
      counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
      setTimeout(() => {
        counters.inFlight--;
        counters.completed++;
        const items = recommend(request.context, request.message);
        const text = items.length ? `You might enjoy ${items.map((i) => i.title).join(', ')}.` : 'Tell me more about what you like.';
        send(200, options.answer === 'titles' ? { text } : { text, items: items.map((i) => i.asin) });
      }, latency);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/crs`,
    requests,
    setLatency: (ms) => (latency = ms),
    stats: () => ({ ...counters }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
