import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { readQuery } from '../db/read-query';
import { badInput } from '../errors';

/** One column of a keyset order; `cast` turns the cursor's text value back into the column's type. */
export interface OrderColumn {
  expr: string;
  cast: 'int' | 'bigint' | 'timestamptz' | 'text' | 'real';
}

/** An order for keyset pagination. The last column must be unique (the primary key). */
export interface KeysetOrder {
  name: string;
  direction: 'ASC' | 'DESC';
  columns: OrderColumn[];
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageInfoValue {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface ConnectionValue<Node> {
  edges: Array<{ cursor: string; node: Node }>;
  nodes: Node[];
  pageInfo: PageInfoValue;
  /** Runs a COUNT only when a client asks for totalCount. */
  count: () => Promise<number>;
}

export interface PageQuery<Row, Node> {
  /** Select list without the FROM, e.g. `d.*`. */
  columns: string;
  /** FROM clause body, e.g. `dialogues d`. */
  from: string;
  where: string[];
  params: unknown[];
  order: KeysetOrder;
  args: PageArgs;
  cap: number;
  defaultSize?: number;
  map: (row: Row) => Node;
}

/** Per order object (the orders are module constants): a page's cursors would otherwise hash it once per edge. */
const digests = new WeakMap<KeysetOrder, string>();

function orderDigest(order: KeysetOrder): string {
  let digest = digests.get(order);
  if (digest === undefined) {
    const text = `${order.name}|${order.direction}|${order.columns.map((c) => c.expr).join(',')}`;
    digest = createHash('sha256').update(text).digest('base64url').slice(0, 8);
    digests.set(order, digest);
  }
  return digest;
}

/** Cursors carry the order's values plus a digest of the order, so a cursor from another order is refused. */
export function encodeCursor(order: KeysetOrder, values: string[]): string {
  return Buffer.from(JSON.stringify([orderDigest(order), ...values]), 'utf8').toString('base64url');
}

export function decodeCursor(argument: string, cursor: string, order: KeysetOrder): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput(argument, 'not a cursor returned by this connection');
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw badInput(argument, 'not a cursor returned by this connection');
  }
  if (parsed[0] !== orderDigest(order)) {
    throw badInput(argument, 'this cursor belongs to another order; restart pagination without it');
  }
  if (parsed.length !== order.columns.length + 1) throw badInput(argument, 'not a cursor returned by this connection');
  const values = parsed.slice(1) as string[];
  // The digest is not a signature: anyone can rebuild it and put any text next to it. Each
  // value is cast in SQL, so one that the cast would refuse is the caller's error, not a 500.
  values.forEach((value, i) => {
    if (!castable(value, order.columns[i].cast)) throw badInput(argument, 'not a cursor returned by this connection (a value does not fit its column)');
  });
  return values;
}

const INTEGER = /^-?\d{1,19}$/;
const REAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?$|^-?Infinity$|^NaN$/;
// As PostgreSQL prints timestamptz as text: `2026-12-06 02:31:25.123456+00`.
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-]\d{2}(?::\d{2}){0,2}$/;

/** Whether `value` is text that `$n::cast` accepts, as the values this module puts in cursors are. */
export function castable(value: string, cast: OrderColumn['cast']): boolean {
  switch (cast) {
    case 'int':
      return INTEGER.test(value) && Number(value) <= 2_147_483_647 && Number(value) >= -2_147_483_648;
    case 'bigint':
      return INTEGER.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n && BigInt(value) >= -9_223_372_036_854_775_808n;
    case 'real':
      return REAL.test(value) && (/^(-?Infinity|NaN)$/.test(value) || (Number.isFinite(Number(value)) && Math.abs(Number(value)) <= 3.4e38));
    case 'timestamptz': {
      const m = TIMESTAMPTZ.exec(value);
      if (!m) return false;
      const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
      const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      return month >= 1 && month <= 12 && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60;
    }
    case 'text':
      return !value.includes('\0');
  }
}

function checkSize(argument: string, value: number | null | undefined, cap: number): void {
  if (value === null || value === undefined) return;
  if (!Number.isInteger(value) || value < 0) throw badInput(argument, `must be a non-negative integer, got ${value}`);
  if (value > cap) throw badInput(argument, `at most ${cap} items per page, got ${value}`);
}

/**
 * Keyset pagination (Relay connection): fetch limit + 1 rows to learn whether another page
 * exists; `last/before` query in reverse and restore the order afterwards.
 */
export async function paginate<Row extends Record<string, unknown>, Node>(
  manager: EntityManager,
  query: PageQuery<Row, Node>,
): Promise<ConnectionValue<Node>> {
  const { args, order, cap } = query;
  checkSize('first', args.first, cap);
  checkSize('last', args.last, cap);
  if (args.first != null && args.last != null) throw badInput('last', 'use either first or last, not both');
  const backward = args.last != null || (args.before != null && args.first == null);
  const size = (backward ? args.last : args.first) ?? query.defaultSize ?? 20;

  const params = [...query.params];
  const where = [...query.where];
  const bound = (cursor: string | null | undefined, argument: string, forwardOp: '>' | '<') => {
    if (cursor == null) return;
    const values = decodeCursor(argument, cursor, order);
    const placeholders = values.map((v, i) => {
      params.push(v);
      return `$${params.length}::${order.columns[i].cast}`;
    });
    const op = order.direction === 'ASC' ? forwardOp : forwardOp === '>' ? '<' : '>';
    where.push(`(${order.columns.map((c) => c.expr).join(', ')}) ${op} (${placeholders.join(', ')})`);
  };
  bound(args.after, 'after', '>');
  bound(args.before, 'before', '<');

  const whereSql = where.length ? `WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : '';
  const count = async () => {
    const [row] = await manager.query(`SELECT count(*)::int AS n FROM ${query.from} ${query.where.length ? `WHERE ${query.where.map((w) => `(${w})`).join(' AND ')}` : ''}`, query.params);
    return row.n as number;
  };
  if (size === 0) {
    return { edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, count };
  }

  const flip = backward ? (order.direction === 'ASC' ? 'DESC' : 'ASC') : order.direction;
  const keyColumns = order.columns.map((c, i) => `(${c.expr})::text AS "__k${i}"`).join(', ');
  const sql =
    `SELECT ${query.columns}, ${keyColumns} FROM ${query.from} ${whereSql} ` +
    `ORDER BY ${order.columns.map((c) => `${c.expr} ${flip}`).join(', ')} LIMIT ${size + 1}`;
  const rows: Row[] = await readQuery<Row>(manager, sql, params);
  const more = rows.length > size;
  if (more) rows.pop();
  if (backward) rows.reverse();

  const edges = rows.map((row) => ({
    cursor: encodeCursor(order, order.columns.map((_, i) => String(row[`__k${i}`]))),
    node: query.map(row),
  }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: backward ? args.before != null : more,
      hasPreviousPage: backward ? more : args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    count,
  };
}
