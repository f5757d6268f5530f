import { DataSource } from 'typeorm';
import { Config, loadConfig } from '../../src/config/config';
import { RunningServer, startServer } from '../../src/server/app';
import pino from 'pino';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; argument?: string } }>;
}

export interface TestApi {
  server: RunningServer;
  /** `options.token` is sent as `Authorization: Bearer <token>`. */
  query<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string }): Promise<GraphQLResponse<T>>;
  /** ws://…/graphql, for graphql-ws clients (see `openGraphQLSocket`). */
  wsUrl: string;
  get(path: string): Promise<Response>;
  close(): Promise<void>;
}

/** The real HTTP server on an ephemeral port, over a test database. */
export async function startTestApi(dataSource: DataSource, overrides: Partial<Config> = {}): Promise<TestApi> {
  const config = { ...loadConfig({}), ...overrides };
  const server = await startServer({ dataSource, config, port: 0, logger: pino({ level: 'silent' }) });
  const base = server.url.replace(/\/graphql$/, '');
  return {
    server,
    wsUrl: server.url.replace(/^http/, 'ws'),
    async query(query, variables, options = {}) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse;
      return { status: res.status, data: body.data, errors: body.errors };
    },
    get: (path) => fetch(base + path),
    close: () => server.close(),
  };
}

/** A raw graphql-transport-ws connection: send `connection_init` with `connectionParams`, then messages. */
export interface TestSocket {
  /** The server's `connection_ack`, or how it closed the socket instead. */
  ready: Promise<{ acked: true } | { acked: false; code: number; reason: string }>;
  /** Runs one operation; resolves with its `next` payloads and its `error` payload, if any. */
  run(query: string, variables?: Record<string, unknown>): Promise<{ results: any[]; errors?: any[] }>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function openGraphQLSocket(url: string, connectionParams?: Record<string, unknown>): TestSocket {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const handlers = new Map<string, (message: any) => void>();
  let nextId = 1;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
  const ready = new Promise<{ acked: true } | { acked: false; code: number; reason: string }>((resolve) => {
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
    socket.addEventListener('message', (e) => {
      const message = JSON.parse(String(e.data));
      if (message.type === 'connection_ack') resolve({ acked: true });
      else if (message.id && handlers.has(message.id)) handlers.get(message.id)!(message);
    });
    void closed.then(({ code, reason }) => resolve({ acked: false, code, reason }));
  });
  return {
    ready,
    closed,
    run(query, variables) {
      const id = String(nextId++);
      return new Promise((resolve, reject) => {
        const results: any[] = [];
        handlers.set(id, (message) => {
          if (message.type === 'next') results.push(message.payload);
          else if (message.type === 'error') resolve({ results, errors: message.payload });
          else if (message.type === 'complete') resolve({ results });
        });
        void closed.then(({ code, reason }) => reject(new Error(`socket closed (${code} ${reason})`)));
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      });
    },
    close: () => socket.close(),
  };
}

/**
 * Polls `generationRun(id)` until the run leaves QUEUED/RUNNING and returns it with `fields`;
 * fails with the run's last state after `timeoutMs`.
 */
export async function waitForRun(api: TestApi, id: string, fields: string, options: { timeoutMs?: number; token?: string } = {}): Promise<any> {
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const res = await api.query(`query($id: ID!) { generationRun(id: $id) { status ${fields} } }`, { id }, { token: options.token });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    const run = res.data.generationRun;
    if (!['QUEUED', 'RUNNING'].includes(run.status)) return run;
    if (Date.now() > until) throw new Error(`run ${id} still ${run.status}: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
