import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * Proof of life of one job runner in the database: a session-level PostgreSQL advisory lock on a
 * random key, held on a connection of its own for as long as the runner lives. Jobs record the
 * key (`owner_lock`); when the process dies, PostgreSQL ends its session and drops the lock at
 * once, so any server can see in `pg_locks` that the jobs have no owner any more. The connection
 * is opened on the first job only; when it drops (a database restart), `hold()` locks again.
 */
export class InstanceLock {
  /** A positive 62-bit key, as the decimal text PostgreSQL's bigint takes. */
  readonly key: string = (randomBytes(8).readBigUInt64BE() >> 2n).toString();
  private client: Client | null = null;
  private holding: Promise<void> | null = null;
  private released = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the lock is held (connecting and locking when it is not). */
  hold(): Promise<void> {
    if (this.released) return Promise.reject(new Error('the instance lock was released'));
    this.holding ??= (async () => {
      const client = new Client({ connectionString: this.url, application_name: 'recdial-job-owner' });
      const lost = (error?: Error) => {
        if (this.client !== client) return;
        if (!this.released) this.logger.warn({ err: error }, 'job owner lock lost; locking again with the next job heartbeat');
        this.client = null;
        this.holding = null;
        void client.end().catch(() => undefined);
      };
      client.on('error', lost);
      client.on('end', () => lost());
      this.client = client;
      try {
        await client.connect();
        await client.query('SELECT pg_advisory_lock($1::bigint)', [this.key]);
      } catch (error) {
        lost(error as Error);
        throw error;
      }
    })();
    return this.holding;
  }

  async release(): Promise<void> {
    this.released = true;
    const client = this.client;
    this.client = null;
    this.holding = null;
    // Ending the session releases the lock.
    await client?.end().catch(() => undefined);
  }
}
