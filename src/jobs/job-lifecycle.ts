import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { NotifyEvents } from './notify-events';
import { isTerminal, JOB_LIFECYCLE, statusAllows, type JobEvent, type JobKind, type JobStatus } from './lifecycle';

/** A DataSource, an EntityManager (inside a transaction) or anything else that runs SQL. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/** A column value written as SQL rather than as a parameter. */
class Sql {
  constructor(readonly text: string) {}
}
const NOW = new Sql('now()');
const json = (value: unknown) => (value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value);

export interface RecoverOptions {
  /** This process's own owner key: its jobs are never taken. */
  ownerLock: string;
  cause: string;
  /** A job whose owner's advisory lock is gone is interrupted once its heartbeat is this old. */
  orphanAfterS: number;
  /** A job without an owner is interrupted after this long without a beat. */
  staleAfterS: number;
  /** Rows it may take (SQL condition on alias `j`); default all. */
  where?: string;
}

/**
 * The lifecycle of lifecycle.ts applied to one job table: every change of a job row's status,
 * progress, heartbeat, owner and cause, and the NOTIFY that tells subscribers, is a method here,
 * guarded by the transition table (a row not in a `from` status of the event is left alone, so
 * two processes racing on one job cannot undo each other's end). Used by the API's background
 * jobs (exports, evaluations), and by the generator for the generation run row.
 *
 * Each status change returns the ids it changed and publishes them (`publish: false` leaves that
 * to the caller, e.g. a run that changes with each of its jobs whether or not it settles).
 */
export class JobLifecycle {
  constructor(
    readonly kind: JobKind,
    private readonly options: {
      /** Runs after each NOTIFY (e.g. an INTERACTIVE run's evaluation follows its run). */
      afterPublish?: (db: Queryable, id: number) => Promise<void>;
    } = {},
  ) {}

  /** Tells subscribed API servers (any process) that the job changed; they re-read it. */
  async publish(db: Queryable, id: number): Promise<void> {
    await db.query('SELECT pg_notify($1, $2)', [this.kind.channel, String(id)]);
    await this.options.afterPublish?.(db, id);
  }

  /** Subscribers' side: change events of this kind of job, ending on a terminal status. */
  events(options: { dataSource: DataSource; logger: Logger; throttleMs?: number }): NotifyEvents {
    const url = (options.dataSource.options as { url?: string }).url!;
    return new NotifyEvents({ url, ...options, channel: this.kind.channel, table: this.kind.table });
  }

  /**
   * The one UPDATE every event goes through: sets the event's status (when it has one) and the
   * given columns on the rows in `ids` that the table allows the event in. As a CTE: TypeORM
   * answers a bare UPDATE … RETURNING with [rows, count], a SELECT with rows.
   */
  private async apply(
    db: Queryable,
    event: JobEvent,
    ids: number[],
    columns: Record<string, unknown>,
    options: { status?: JobStatus | Sql; where?: string; publish?: boolean } = {},
  ): Promise<number[]> {
    if (!ids.length) return [];
    const { to } = JOB_LIFECYCLE[event];
    const status = options.status ?? (to.length === 1 ? to[0] : undefined);
    if (to.length > 1 && !(status instanceof Sql) && (status === undefined || !to.includes(status))) throw new Error(`${event} sets one of ${to.join(', ')}`);
    const all: Record<string, unknown> = status === undefined ? columns : { status, ...columns };
    const params: unknown[] = [ids];
    const sets = Object.entries(all).map(([name, value]) => {
      if (value instanceof Sql) return `${name} = ${value.text}`;
      params.push(json(value));
      return `${name} = $${params.length}`;
    });
    const rows: Array<{ id: number }> = await db.query(
      `WITH changed AS (
         UPDATE ${this.kind.table} SET ${sets.join(', ')}
          WHERE id = ANY($1) AND ${statusAllows(event)} ${options.where ? `AND (${options.where})` : ''}
          RETURNING id)
       SELECT id FROM changed`,
      params,
    );
    const changed = rows.map((r) => Number(r.id));
    // Status changes and progress are published; claims and heartbeats are nothing a subscriber sees.
    if (options.publish ?? (to.length > 0 || event === 'progress')) for (const id of changed) await this.publish(db, id);
    return changed;
  }

  private tracked(columns: Record<string, unknown>): Record<string, unknown> {
    return this.kind.tracked ? columns : {};
  }

  /** Owners, heartbeats, progress and a cause are columns of tracked kinds only (lifecycle.ts, JobKind). */
  private requireTracked(event: JobEvent): void {
    if (!this.kind.tracked) throw new Error(`${this.kind.table} keep no owner, heartbeat, progress or cause: no ${event}`);
  }

  /** The accepting process takes a QUEUED job as its own (no event: nothing a subscriber sees). */
  async claim(db: Queryable, id: number, ownerLock: string): Promise<boolean> {
    this.requireTracked('claim');
    return (await this.apply(db, 'claim', [id], { owner_lock: ownerLock, heartbeat_at: NOW })).length > 0;
  }

  /** QUEUED → RUNNING; false when the job was not QUEUED any more (interrupted, cancelled, started elsewhere). */
  async start(db: Queryable, id: number, ownerLock?: string): Promise<boolean> {
    const owner = this.kind.tracked ? { heartbeat_at: NOW, ...(ownerLock ? { owner_lock: ownerLock } : {}) } : {};
    return (await this.apply(db, 'start', [id], { started_at: NOW, ...owner })).length > 0;
  }

  /** Progress in [0, 1) and partial results of a RUNNING job, published (1 is for succeed). */
  async progress(db: Queryable, id: number, value: number, columns: Record<string, unknown> = {}): Promise<void> {
    this.requireTracked('progress');
    await this.apply(db, 'progress', [id], { progress: Math.min(value, 0.99), ...columns });
  }

  /** The owner's proof of life for its open jobs. */
  async heartbeat(db: Queryable, ids: number[], ownerLock: string): Promise<void> {
    this.requireTracked('heartbeat');
    await this.apply(db, 'heartbeat', ids, { heartbeat_at: NOW, owner_lock: ownerLock });
  }

  /** RUNNING → COMPLETED with the work's results (column → value). */
  async succeed(db: Queryable, id: number, results: Record<string, unknown> = {}): Promise<boolean> {
    return (await this.apply(db, 'succeed', [id], { ...this.tracked({ progress: 1 }), ...results, finished_at: NOW })).length > 0;
  }

  /** RUNNING → FAILED with the work's error as the cause. */
  async fail(db: Queryable, id: number, cause: string): Promise<boolean> {
    this.requireTracked('fail');
    return (await this.apply(db, 'fail', [id], { error: cause, finished_at: NOW })).length > 0;
  }

  /** QUEUED or RUNNING → FAILED: its process stopped (or is stopping) before the work ended. */
  async interrupt(db: Queryable, id: number, cause: string): Promise<boolean> {
    this.requireTracked('interrupt');
    return (await this.apply(db, 'interrupt', [id], { error: cause, finished_at: NOW })).length > 0;
  }

  /** QUEUED or RUNNING → CANCELLED. */
  async cancel(db: Queryable, id: number, options: { publish?: boolean } = {}): Promise<boolean> {
    return (await this.apply(db, 'cancel', [id], { finished_at: NOW }, options)).length > 0;
  }

  /**
   * QUEUED or RUNNING → COMPLETED or FAILED, when `when` holds (SQL on the row, e.g. "no job of
   * the run is open"); `outcome` is an SQL expression giving 'COMPLETED' or 'FAILED'.
   */
  async settle(db: Queryable, id: number, sql: { outcome: string; when: string }, options: { publish?: boolean } = {}): Promise<boolean> {
    return (await this.apply(db, 'settle', [id], { finished_at: NOW }, { status: new Sql(sql.outcome), where: sql.when, ...options })).length > 0;
  }

  /** Back to RUNNING (not finished any more): part of its work was requeued. */
  async reopen(db: Queryable, ids: number[], options: { publish?: boolean } = {}): Promise<number[]> {
    return this.apply(db, 'reopen', ids, { finished_at: null }, options);
  }

  /**
   * A job that follows another one's status rather than its own transitions (an INTERACTIVE
   * evaluation follows its generation run): the status is copied, started_at set once it left
   * QUEUED and finished_at once it is terminal, with the given columns and a heartbeat. Not
   * published: the caller publishes once everything of the change is written.
   */
  async follow(db: Queryable, id: number, status: JobStatus, columns: Record<string, unknown>): Promise<void> {
    const params: unknown[] = [id, status, isTerminal(status)];
    const sets = Object.entries(columns).map(([name, value]) => {
      params.push(json(value));
      return `${name} = $${params.length}`;
    });
    await db.query(
      `UPDATE ${this.kind.table}
          SET status = $2, ${sets.map((set) => `${set}, `).join('')}${this.kind.tracked ? 'heartbeat_at = now(),' : ''}
              started_at = CASE WHEN $2 <> 'QUEUED' THEN COALESCE(started_at, now()) END,
              finished_at = CASE WHEN $3 THEN COALESCE(finished_at, now()) END
        WHERE id = $1`,
      params,
    );
  }

  /**
   * Recovery: marks FAILED, with `cause`, the open jobs whose process is gone, and publishes them.
   * A job whose owner recorded its advisory-lock key (src/jobs/instance-lock.ts) is taken once that
   * lock is gone and its heartbeat is `orphanAfterS` old (the grace lets an owner whose lock
   * connection dropped lock again); a job without an owner once its heartbeat is `staleAfterS`
   * old. A job whose owner still holds its lock is never taken: the owner is alive. pg_locks shows
   * a bigint advisory key as classid (high half) and objid (low half), objsubid 1.
   */
  async recoverInterrupted(db: Queryable, o: RecoverOptions): Promise<number[]> {
    if (!this.kind.tracked) throw new Error(`${this.kind.table} keep no owner or heartbeat: their recovery is the generation supervisor's (generator/worker/supervisor.ts)`);
    const rows: Array<{ id: number }> = await db.query(
      `WITH failed AS (
         UPDATE ${this.kind.table} j SET status = $5, finished_at = now(), error = $1
          WHERE ${statusAllows('interrupt', 'j.status')}
            AND j.owner_lock IS DISTINCT FROM $2
            AND ((j.owner_lock IS NULL AND coalesce(j.heartbeat_at, j.created_at) < now() - make_interval(secs => $4))
                 OR (j.owner_lock IS NOT NULL
                     AND coalesce(j.heartbeat_at, j.created_at) < now() - make_interval(secs => $3)
                     AND NOT EXISTS (
                       SELECT 1 FROM pg_locks l
                        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                          AND ((l.classid::bigint << 32) | l.objid::bigint) = j.owner_lock)))
            AND (${o.where ?? 'true'})
          RETURNING j.id)
       SELECT id FROM failed`,
      [o.cause, o.ownerLock, o.orphanAfterS, o.staleAfterS, JOB_LIFECYCLE.interrupt.to[0]],
    );
    const ids = rows.map((r) => Number(r.id));
    for (const id of ids) await this.publish(db, id);
    return ids;
  }
}
