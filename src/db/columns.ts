import { getMetadataArgsStorage } from 'typeorm';

/**
 * Row types and select lists derived from the TypeORM entities (src/db/schema/), so that a table's
 * columns are written twice only: in its migration and in its entity (issue 12). The raw-SQL
 * readers (loaders, pages, the generator's statements) pick the entity properties they read once,
 * at module load:
 *
 *   const ITEM_PROPS = ['id', 'asin', 'cleanedTitle'] as const;
 *   export type ItemRow = RowOf<ItemEntity, (typeof ITEM_PROPS)[number]>;   // { id; asin; cleaned_title }
 *   export const ITEM_COLUMNS = selectList(ItemEntity, 'i', ITEM_PROPS);   // 'i.id, i.asin, i.cleaned_title'
 *
 * Hand-written, because no library does this: TypeORM's query builder would derive the list, but
 * it builds its SQL per call and aliases every column (`i_cleaned_title`), and the read path sends
 * fixed texts as named prepared statements (src/db/read-query.ts, issue 13). The strings are built
 * once; nothing here runs per request.
 *
 * Two row shapes exist, both derived from the entity:
 * - `selectList` + `RowOf`: keys are the column names (`cleaned_title`), the shape of the API's
 *   rows and of the json_agg prefetches. The entities name every column snake_case of its
 *   property (checked here when a list is built, so the type cannot drift from the text).
 * - `selectListAs` + `Pick<Entity, …>`: keys are the property names (`cleaned_title AS
 *   "cleanedTitle"`), the shape the generator uses.
 *
 * A raw row skips TypeORM's transformers: `bigint` and `numeric` arrive as strings from pg. Such
 * columns are refused here (select them by hand, typed as what pg returns) so that a derived row
 * type never claims a number that is a string. test/integration/src/db/derived-columns.test.ts runs every
 * derived list against a migrated database and checks the keys it returns, and that pg returns
 * every entity column as the type and nullability its property declares.
 */

/** `cleanedTitle` → `cleaned_title`, `rubricSha256` → `rubric_sha256`. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/**
 * A raw row of entity `E` with the columns of properties `K`, keyed by column name. `Narrow` gives
 * a column a more precise type than the entity's (a jsonb column's document shape), by column name.
 */
export type RowOf<E, K extends keyof E & string, Narrow extends { [C in SnakeCase<K>]?: unknown } = {}> = {
  [P in K as SnakeCase<P>]: SnakeCase<P> extends keyof Narrow ? Narrow[SnakeCase<P>] : E[P];
};

function snakeCase(property: string): string {
  return property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The keywords PostgreSQL does not accept as a bare column name everywhere (`pg_get_keywords()`
 * with catcode R, C or T: what `quote_ident` quotes), as of PostgreSQL 17; the derived-columns
 * test checks that the server's are all here. Quoting one word too many only changes the text.
 */
export const QUOTED_KEYWORDS: ReadonlySet<string> = new Set(
  `all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char
  character check coalesce collate collation column concurrently constraint create cross current_catalog current_date
  current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc distinct do
  else end except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike
  in initially inner inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists
  json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral leading least left like
  limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset
  on only or order out outer overlaps overlay placing position precision primary real references returning right row
  select session_user setof similar smallint some substring symmetric system_user table tablesample then time timestamp
  to trailing treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes
  xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/),
);

/** A column name as it can stand in a select list. */
export function quoteColumn(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !QUOTED_KEYWORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export interface DerivedList {
  /** The select list itself. */
  list: string;
  table: string;
  alias: string;
  /** The keys of the rows this list returns, in order. */
  keys: readonly string[];
  /** The entity properties they come from. */
  properties: readonly string[];
}

/** Every list built here, by its text: what test/integration/src/db/derived-columns.test.ts checks. */
const derived = new Map<string, DerivedList>();

export function describeList(list: string): DerivedList | undefined {
  return derived.get(list);
}

export function derivedLists(): DerivedList[] {
  return [...derived.values()];
}

type EntityClass<E> = { prototype: E } & Function;

/** The table of an entity and its columns (property → column name, and whether pg returns the type the entity declares), from the decorators' metadata. */
export function entityColumns(entity: EntityClass<unknown>): { table: string; columns: Map<string, { name: string; asDeclared: boolean }> } {
  const storage = getMetadataArgsStorage();
  const table = storage.tables.find((t) => t.target === entity);
  if (!table?.name) throw new Error(`${entity.name} is not an entity with a table name`);
  const columns = new Map<string, { name: string; asDeclared: boolean }>();
  // The entity and the classes it extends (columns shared by several entities), as TypeORM reads them.
  const tree: Function[] = [];
  for (let t: Function | null = entity; t?.name; t = Object.getPrototypeOf(t) as Function | null) tree.push(t);
  for (const c of storage.filterColumns(tree)) {
    const type = typeof c.options.type === 'string' ? c.options.type : '';
    // pg returns int8 and numeric as strings; a transformer says the entity's type is not pg's.
    const asDeclared = !c.options.transformer && !/^(bigint|int8|numeric|decimal)$/.test(type);
    columns.set(c.propertyName, { name: c.options.name ?? c.propertyName, asDeclared });
  }
  return { table: table.name, columns };
}

function build<E>(entity: EntityClass<E>, alias: string, properties: readonly string[], as: boolean): string {
  const { table, columns } = entityColumns(entity);
  const keys: string[] = [];
  const parts = properties.map((p) => {
    const column = columns.get(p);
    if (!column) throw new Error(`${entity.name}.${p} is not a column`);
    if (!column.asDeclared) throw new Error(`${entity.name}.${p}: pg returns ${table}.${column.name} as a string; select it by hand`);
    if (!as && column.name !== snakeCase(p)) {
      throw new Error(`${entity.name}.${p}: column ${column.name} is not snake_case of the property, as RowOf assumes`);
    }
    const ref = (alias ? `${alias}.` : '') + quoteColumn(column.name);
    keys.push(as ? p : column.name);
    return as && column.name !== p ? `${ref} AS "${p}"` : ref;
  });
  const list = parts.join(', ');
  derived.set(list, { list, table, alias, keys, properties });
  return list;
}

/** `alias.column, …` for the properties, in their order; rows are `RowOf<E, K>`. */
export function selectList<E, K extends keyof E & string>(entity: EntityClass<E>, alias: string, properties: readonly K[]): string {
  return build(entity, alias, properties, false);
}

/** `alias.column AS "property", …` for the properties, in their order; rows are `Pick<E, K>`. */
export function selectListAs<E, K extends keyof E & string>(entity: EntityClass<E>, alias: string, properties: readonly K[]): string {
  return build(entity, alias, properties, true);
}
