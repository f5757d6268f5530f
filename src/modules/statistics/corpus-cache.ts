import { Client } from 'pg';
import type { Logger } from 'pino';

/** Notified (at commit, once per transaction) by triggers on the dataset's tables (migration 1764500000000). */
export const DATASET_CHANGED_CHANNEL = 'recdial_dataset_changed';

export interface CorpusCacheOptions {
  url: string;
  logger: Logger;
  /** Results kept (least recently used dropped first). */
  maxEntries?: number;
  /** Called on every lookup: whether it was served from the cache (metrics). */
  onLookup?: (hit: boolean) => void;
}

/**
 * Results of whole-corpus fields (datasetStatistics, diversity) per selection, so that asking
 * twice for the statistics of the same selection scans it once. Keys are the normalized
 * arguments; every entry belongs to a dataset version, and the version moves on each
 * `recdial_dataset_changed` notification, i.e. whenever any writer (an import, a worker storing
 * dialogues, assignSplits) commits a change to dialogues, turns, mentions, items, users or
 * interactions. While the LISTEN connection is down nothing is cached (changes could be missed),
 * and coming back moves the version too. A computation that saw the version move while it ran
 * is returned but not kept. Identical requests in flight share one computation.
 */
export class CorpusCache {
  private readonly entries = new Map<string, { version: number; value: Promise<unknown> }>();
  private version = 0;
  private listening: Promise<void> | null = null;
  private client: Client | null = null;
  private live = false;
  private closed = false;
  private retryDelayMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: CorpusCacheOptions) {}

  private listen(): void {
    if (this.closed || this.listening || this.retryTimer) return;
    const client = new Client({ connectionString: this.options.url, application_name: 'recdial-dataset-changes' });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.live = false;
      this.listening = null;
      this.version++;
      this.entries.clear();
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.logger.warn({ err: error }, 'dataset change listener lost; the statistics cache is off until it is back');
      this.retryDelayMs = Math.min(5_000, this.retryDelayMs ? this.retryDelayMs * 2 : 250);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.listen();
      }, this.retryDelayMs);
      this.retryTimer.unref();
    };
    this.client = client;
    client.on('notification', () => {
      this.version++;
      this.entries.clear();
    });
    client.on('error', lost);
    client.on('end', () => lost());
    this.listening = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${DATASET_CHANGED_CHANNEL}`);
        // Anything may have changed while nobody listened.
        this.version++;
        this.entries.clear();
        this.live = true;
        this.retryDelayMs = 0;
      } catch (error) {
        lost(error as Error);
      }
    })();
  }

  /** The cached value of `key` for the current dataset version, or what `compute` returns (kept when still current). */
  async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    this.listen();
    if (this.listening && !this.live) await this.listening;
    const version = this.version;
    const cached = this.entries.get(key);
    if (cached && cached.version === version) {
      this.options.onLookup?.(true);
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.value as Promise<T>;
    }
    this.options.onLookup?.(false);
    const value = compute();
    if (!this.live) return value;
    const entry = { version, value: value as Promise<unknown> };
    this.entries.set(key, entry);
    while (this.entries.size > (this.options.maxEntries ?? 32)) this.entries.delete(this.entries.keys().next().value!);
    value.then(
      () => {
        // The data changed while it was computed: the result may mix both states.
        if (this.version !== version && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.entries.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

/** A stable key for a field and its arguments: object keys sorted, undefined dropped, null kept. */
export function cacheKey(field: string, args: Record<string, unknown>): string {
  const normalize = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(normalize);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, normalize((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return `${field}:${JSON.stringify(normalize(args))}`;
}
