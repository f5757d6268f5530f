import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A read statement as a named (prepared) statement on the pool, for the API's hot read shapes
 * (pages, loaders): PostgreSQL parses and plans a shape once per connection instead of on every
 * request, and the statement skips TypeORM's query runner (issue 13). The name is a digest of the
 * text, so one text always has one name and a name never meets another text.
 *
 * Falls back to `manager.query` inside a transaction (the manager's own connection) and once
 * MAX_NAMED shapes are known (texts with literals inlined would otherwise grow every connection's
 * statement cache). Tests count statements at the driver (every `pg` query), so these are counted.
 */
const names = new Map<string, string>();
const MAX_NAMED = 2000;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `recdial_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * `column = $1` for one key, `column = ANY($1)` for several. A named statement with an array
 * parameter keeps being planned afresh for each call (its generic plan, costed for an array of
 * unknown length, never beats the custom plan for one element); with a scalar parameter
 * PostgreSQL switches to the cached generic plan after five calls (issue 13: planning was ~70 %
 * of the statement's time for one dialogue). Loaders asked for one key (a dialogue by id, an
 * item by ASIN) are the common case.
 */
export function keyCondition(column: string, keys: readonly unknown[], param = 1): { sql: string; values: unknown[] } {
  return keys.length === 1 ? { sql: `${column} = $${param}`, values: [keys[0]] } : { sql: `${column} = ANY($${param})`, values: [keys] };
}

function poolOf(manager: EntityManager): Pool | undefined {
  return manager.queryRunner ? undefined : ((manager.connection.driver as PostgresDriver).master as Pool | undefined);
}

export async function readQuery<T = any>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const pool = poolOf(manager);
  const name = pool ? nameOf(text) : undefined;
  if (!pool || name === undefined) return manager.query(text, values);
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}

interface Waiter<T> {
  keys: readonly unknown[];
  resolve: (rows: T[]) => void;
  reject: (error: unknown) => void;
}
interface Batch {
  manager: EntityManager;
  select: string;
  column: string;
  keyOf: (row: any) => unknown;
  waiters: Waiter<any>[];
}
/** `select` with its `$KEY` replaced (a function, so that `$` patterns of the condition stay as they are). */
function withKey(select: string, condition: string): string {
  return select.replace('$KEY', () => condition);
}

const pending = new Map<string, Batch>();
let flushScheduled = false;
const MAX_IN = 64;

/** Statements sent by readKeyed and the callers they served (for tests). */
export const keyedReadStats = { statements: 0, callers: 0 };

function flushAll(): void {
  flushScheduled = false;
  const batches = [...pending.values()];
  pending.clear();
  for (const batch of batches) void runBatch(batch);
}

async function runBatch(batch: Batch): Promise<void> {
  const { manager, select, column, keyOf, waiters } = batch;
  keyedReadStats.statements++;
  keyedReadStats.callers += waiters.length;
  try {
    const keys = waiters.length === 1 ? waiters[0].keys : [...new Set(waiters.flatMap((w) => w.keys))];
    let rows: any[];
    if (waiters.length === 1 || keys.length === 1 || keys.length > MAX_IN) {
      // A caller alone sends what it sent before the batcher (read-plans.test.ts's plans).
      const key = keyCondition(column, keys);
      rows = await readQuery(manager, withKey(select, key.sql), key.values);
    } else {
      let n = 2;
      while (n < keys.length) n *= 2;
      const values = keys.slice();
      while (values.length < n) values.push(keys[keys.length - 1]);
      const list = values.map((_, i) => `$${i + 1}`).join(', ');
      rows = await readQuery(manager, withKey(select, `${column} IN (${list})`), values);
    }
    if (waiters.length === 1) return waiters[0].resolve(rows);
    for (const waiter of waiters) {
      const mine = new Set(waiter.keys);
      waiter.resolve(rows.filter((row) => mine.has(keyOf(row))));
    }
  } catch (error) {
    // One caller's key can fail the statement for all (a value PostgreSQL refuses): each caller
    // is then read alone, so that it gets the answer, or the error, it would have got alone.
    if (waiters.length === 1) return waiters[0].reject(error);
    for (const waiter of waiters) void runBatch({ ...batch, waiters: [waiter] });
  }
}

/**
 * Keyed reads coalesced across requests (issue 13): the reads of one statement shape (the same
 * `select` text, so the same columns and prefetch hints) asked for by any request during one turn
 * of the event loop are sent as ONE statement for all their keys, flushed on `setImmediate`
 * (after the I/O callbacks of the turn, so after every request of the burst has asked), and each
 * caller gets back only the rows of its own keys. Requests reach the loaders authorised, and the
 * statement is sent after each caller asked, so no caller sees rows it could not read alone, nor
 * older ones. The per-request DataLoader caches stay per request; this only merges their batches.
 *
 * `select` holds `$KEY` where the key condition goes. A caller alone: keyCondition's, as before. Several
 * callers: `column IN ($1, …, $n)` with n the next power of two (the last key repeated to fill it): scalar
 * parameters let PostgreSQL switch to a cached generic plan, which `= ANY($1)` never does (see
 * keyCondition), and the powers of two keep the named shapes few. Inside a transaction (the
 * manager's own connection) nothing is shared.
 */
export function readKeyed<T = any>(manager: EntityManager, select: string, column: string, keys: readonly unknown[], keyOf: (row: T) => unknown): Promise<T[]> {
  if (!poolOf(manager)) {
    const key = keyCondition(column, keys);
    return readQuery<T>(manager, withKey(select, key.sql), key.values);
  }
  const id = `${column}\0${select}`;
  let batch = pending.get(id);
  if (batch !== undefined && batch.manager.connection !== manager.connection) {
    // Another data source (tests run several in one process): not shared, sent alone.
    const key = keyCondition(column, keys);
    return readQuery<T>(manager, withKey(select, key.sql), key.values);
  }
  if (batch === undefined) {
    batch = { manager, select, column, keyOf, waiters: [] };
    pending.set(id, batch);
  }
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
  return new Promise<T[]>((resolve, reject) => batch!.waiters.push({ keys, resolve, reject }));
}
