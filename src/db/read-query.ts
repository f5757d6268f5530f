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

export async function readQuery<T = any>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const pool = manager.queryRunner ? undefined : ((manager.connection.driver as PostgresDriver).master as Pool | undefined);
  const name = pool ? nameOf(text) : undefined;
  if (!pool || name === undefined) return manager.query(text, values);
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
