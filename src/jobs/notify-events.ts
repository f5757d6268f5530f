import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { isTerminal } from './lifecycle';

/**
 * Changes of long-running things (generation runs, exports, evaluations) as their writers report
 * them with `pg_notify(channel, id)`, fanned out to subscribers of this API process, so that a
 * writer in any process reaches every API server. One LISTEN connection per instance, opened on
 * the first subscription. Each watcher coalesces bursts: it yields at most once per `throttleMs`,
 * always with the latest state, and stops after the row's status is terminal (src/jobs/lifecycle.ts).
 * When the LISTEN connection drops, it listens again with backoff and every watcher resends the
 * current state; watchers wait out a database that is briefly unreachable instead of failing.
 */
export class NotifyEvents {
  private readonly watchers = new Map<number, Set<() => void>>();
  private listening: Promise<Client> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = 0;
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
      /** Longest wait between two reconnection tries after the LISTEN connection drops. */
      maxReconnectDelayMs?: number;
    },
  ) {}

  private wakeAll(): void {
    for (const set of this.watchers.values()) for (const wake of set) wake();
  }

  private listen(): Promise<Client> {
    this.listening ??= (async () => {
      const client = new Client({ connectionString: this.options.url, application_name: `recdial-${this.options.channel}` });
      let lost = false;
      const onLost = (error?: Error) => {
        if (lost) return;
        lost = true;
        client.removeAllListeners('notification');
        if (this.closed) return;
        this.options.logger.warn({ err: error }, `${this.options.channel} listener lost; listening again`);
        this.listening = null;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      };
      client.on('notification', (msg) => {
        for (const wake of this.watchers.get(Number(msg.payload)) ?? []) wake();
      });
      client.on('error', onLost);
      client.on('end', () => onLost());
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      return client;
    })().catch((error) => {
      this.listening = null;
      throw error;
    });
    return this.listening;
  }

  /**
   * After the LISTEN connection dropped (a database restart, a network cut): listen again with
   * backoff while anyone watches, then wake every watcher so that each re-reads its row and sends
   * the current state, so a change made while nobody listened (a run that finished while
   * PostgreSQL was restarting) is still seen.
   */
  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.watchers.size === 0) return;
    const max = this.options.maxReconnectDelayMs ?? 5_000;
    this.reconnectDelayMs = Math.min(max, this.reconnectDelayMs ? this.reconnectDelayMs * 2 : 250);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().then(
        () => {
          this.reconnectDelayMs = 0;
          this.options.logger.info(`${this.options.channel} listener back`);
          this.wakeAll();
        },
        () => this.scheduleReconnect(),
      );
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  /** The row's status; while the database is unreachable, waits and tries again (until closed). */
  private async readStatus(id: number, isFinished: () => boolean): Promise<{ status: string } | undefined | null> {
    let delay = 250;
    for (;;) {
      try {
        const [row] = await this.options.dataSource.query(`SELECT status FROM ${this.options.table} WHERE id = $1`, [id]);
        return row;
      } catch (error) {
        if (this.closed || isFinished()) return null;
        this.options.logger.warn({ err: error, id }, `${this.options.channel}: could not read the watched row; trying again`);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        delay = Math.min(delay * 2, this.options.maxReconnectDelayMs ?? 5_000);
      }
    }
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
      const set = this.watchers.get(id);
      set?.delete(onChange);
      if (set?.size === 0) this.watchers.delete(id);
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
        const row = await this.readStatus(id, () => finished);
        if (row === null) return done;
        if (!row) {
          stop();
          return done;
        }
        if (isTerminal(row.status)) stop();
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
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.wakeAll();
    this.watchers.clear();
    const listening = this.listening;
    this.listening = null;
    if (listening) await (await listening.catch(() => null))?.end().catch(() => undefined);
  }
}
