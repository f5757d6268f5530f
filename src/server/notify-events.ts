import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * Changes of long-running things (generation runs, exports, evaluations) as their writers report
 * them with `pg_notify(channel, id)`, fanned out to subscribers of this API process, so that a
 * writer in any process reaches every API server. One LISTEN connection per instance, opened on
 * the first subscription. Each watcher coalesces bursts: it yields at most once per `throttleMs`,
 * always with the latest state, and stops after the row's status is terminal.
 */
export class NotifyEvents {
  private readonly watchers = new Map<number, Set<() => void>>();
  private listening: Promise<Client> | null = null;
  private closed = false;

  constructor(
    private readonly options: {
      url: string;
      dataSource: DataSource;
      logger: Logger;
      /** The NOTIFY channel; payloads are row ids. */
      channel: string;
      /** The table whose `status` column says when a watched row has finished. */
      table: string;
      throttleMs?: number;
    },
  ) {}

  private listen(): Promise<Client> {
    this.listening ??= (async () => {
      const client = new Client({ connectionString: this.options.url, application_name: `recdial-${this.options.channel}` });
      client.on('notification', (msg) => {
        for (const wake of this.watchers.get(Number(msg.payload)) ?? []) wake();
      });
      client.on('error', (error) => {
        this.options.logger.warn({ err: error }, `${this.options.channel} listener lost; reconnecting on the next subscription`);
        this.listening = null;
        // Watchers re-read their run, so nothing is missed while the next subscription reconnects.
        for (const set of this.watchers.values()) for (const wake of set) wake();
      });
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      return client;
    })().catch((error) => {
      this.listening = null;
      throw error;
    });
    return this.listening;
  }

  /** Yields `id` now, after every change, and a last time when the row has finished. */
  watch(id: number): AsyncIterableIterator<number> {
    const throttleMs = this.options.throttleMs ?? 100;
    let dirty = true;
    let finished = false;
    let registered = false;
    let wake: (() => void) | null = null;
    let lastYield = 0;
    const onChange = () => {
      dirty = true;
      wake?.();
    };
    const stop = () => {
      finished = true;
      this.watchers.get(id)?.delete(onChange);
      wake?.();
    };
    const done = { done: true as const, value: undefined };
    const iterator: AsyncIterableIterator<number> = {
      next: async () => {
        if (finished || this.closed) return done;
        if (!registered) {
          registered = true;
          if (!this.watchers.has(id)) this.watchers.set(id, new Set());
          this.watchers.get(id)!.add(onChange);
          await this.listen();
        }
        const wait = lastYield + throttleMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        while (!dirty && !finished) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (finished) return done;
        dirty = false;
        const [row] = await this.options.dataSource.query(`SELECT status FROM ${this.options.table} WHERE id = $1`, [id]);
        if (!row) {
          stop();
          return done;
        }
        if (TERMINAL.has(row.status)) stop();
        lastYield = Date.now();
        return { done: false, value: id };
      },
      return: async () => {
        stop();
        return done;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.watchers.values()) for (const wake of set) wake();
    this.watchers.clear();
    const listening = this.listening;
    this.listening = null;
    if (listening) await (await listening.catch(() => null))?.end().catch(() => undefined);
  }
}
