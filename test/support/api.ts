import { DataSource } from 'typeorm';
import { Config, loadConfig } from '../../src/config/config';
import { RunningServer, startServer } from '../../src/server/app';
import pino from 'pino';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; argument?: string } }>;
}

export interface TestApi {
  server: RunningServer;
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
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
    async query(query, variables) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse;
      return { status: res.status, data: body.data, errors: body.errors };
    },
    get: (path) => fetch(base + path),
    close: () => server.close(),
  };
}
