/**
 * The row types and select lists derived from the entities (src/db/columns.ts) against the real,
 * migrated tables. migrations.test.ts proves entity and migration agree on the schema; this proves
 * what the raw readers build on it: every derived list runs and returns exactly the keys its row
 * type promises; pg hands every entity column to JavaScript as the type and nullability its
 * property declares, as the TypeScript compiler reads the entity (so `RowOf<Entity, …>` is true of
 * a raw row, and the columns where it is not are refused); and the columns the read hints pick per
 * GraphQL field (src/graphql/read-hints.ts, still a hand-written map) are keys of the derived rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { getNamedType, GraphQLObjectType, isLeafType, parse } from 'graphql';
import { readHintsOf } from '../../../../src/graphql/read-hints';
import { getSchema } from '../../../../src/server/schema';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { derivedLists, describeList, entityColumns, QUOTED_KEYWORDS, selectList } from '../../../../src/db/columns';
import { entities } from '../../../../src/db/entities';
// Every module that derives a list (building it registers it with src/db/columns.ts).
import { DIALOGUE_COLUMNS } from '../../../../src/modules/dialogue/dialogue.type';
import { ITEM_COLUMNS } from '../../../../src/modules/item/item.type';
import { MENTION_COLUMNS, TURN_COLUMNS } from '../../../../src/modules/dialogue/dialogue.rows';
import { PREPARATION_COLUMNS } from '../../../../src/modules/preparation/preparation.type';
import { RUN_COLUMNS } from '../../../../src/modules/generation/generation.type';
import { PROFILE_COLUMNS } from '../../../../src/modules/user/user-profile.type';
import { JUDGEMENT_COLUMNS } from '../../../../src/modules/judge/judge.type';
import { RUBRIC_COLUMNS } from '../../../../src/dialogues/rubrics';
import { USER_COLUMNS } from '../../../../src/modules/user/user.type';
import { STEREOTYPE_COLUMNS } from '../../../../src/modules/stereotype/stereotype.type';
import { INTERACTION_COLUMNS } from '../../../../src/modules/interaction/interaction.type';
import { USER_SAMPLE_COLUMNS } from '../../../../src/modules/sample/sample.type';
import { SAMPLE_COLUMNS } from '../../../../src/modules/evaluation/evaluation-samples.service';
import '../../../../src/modules/prompt/prompt.service';
import '../../../../src/modules/export/export.service';
import '../../../../generator/prompts/load';
import '../../../../generator/interactive/worker-ports';
import '../../../../generator/worker/ports';
import { JOB_COLUMNS as GENERATION_JOB_COLUMNS, RUN_COLUMNS as GENERATION_RUN_COLUMNS } from '../../../../generator/worker/store';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

function pool() {
  return (db.dataSource.driver as unknown as { master: import('pg').Pool }).master;
}

/** What pg (node-postgres' default parsers) makes of a column type, by type OID. */
function jsKindOfOid(oid: number): string {
  if ([21, 23, 26, 700, 701].includes(oid)) return 'Number';
  if ([20, 1700, 25, 1043, 1042, 19, 2950, 3614].includes(oid)) return 'String';
  if (oid === 16) return 'Boolean';
  if ([1082, 1114, 1184].includes(oid)) return 'Date';
  if ([114, 3802].includes(oid)) return 'json';
  if ([1000, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1115, 1185, 3807].includes(oid)) return 'Array';
  throw new Error(`type OID ${oid}: say here what pg returns for it`);
}

test('every derived list runs against its table and returns exactly the keys of its row type', async () => {
  const exported = [DIALOGUE_COLUMNS, ITEM_COLUMNS, PREPARATION_COLUMNS, RUN_COLUMNS, PROFILE_COLUMNS, RUBRIC_COLUMNS, USER_COLUMNS, STEREOTYPE_COLUMNS, USER_SAMPLE_COLUMNS, SAMPLE_COLUMNS, GENERATION_JOB_COLUMNS, GENERATION_RUN_COLUMNS, TURN_COLUMNS, MENTION_COLUMNS];
  for (const list of exported) expect(describeList(list)).toBeDefined();
  // These add a computed or by-hand column to a derived list.
  for (const list of [JUDGEMENT_COLUMNS, INTERACTION_COLUMNS]) expect(derivedLists().some((d) => list.startsWith(`${d.list},`))).toBe(true);
  // …and the prompt versions, the exports, the generator's prompt items and stereotypes, the seeker's items, the worker's catalogue.
  expect(derivedLists().length).toBeGreaterThanOrEqual(exported.length + 2 + 6);
  for (const d of derivedLists()) {
    const { fields } = await pool().query(`SELECT ${d.list} FROM ${d.table} ${d.alias} LIMIT 0`);
    expect({ list: d.list, keys: fields.map((f: { name: string }) => f.name) }).toEqual({ list: d.list, keys: d.keys });
  }
});

test('the columns the read hints pick per field are columns of the derived Item and Dialogue rows', async () => {
  const schema = await getSchema();
  for (const [type, full] of [
    ['Item', ITEM_COLUMNS],
    ['Dialogue', DIALOGUE_COLUMNS],
  ] as const) {
    const { table, alias, keys } = describeList(full)!;
    const picked = new Set<string>();
    for (const field of Object.values((schema.getType(type) as GraphQLObjectType).getFields())) {
      const selection = isLeafType(getNamedType(field.type)) ? field.name : `${field.name} { __typename }`;
      const hints = readHintsOf(schema, parse(`fragment One on ${type} { ${selection} }`));
      // undefined: a field the hints do not know, which reads the full derived list.
      const list = type === 'Item' ? hints.itemColumns : hints.dialogueColumns;
      if (list === undefined) continue;
      const { fields: got } = await pool().query(`SELECT ${list} FROM ${table} ${alias} LIMIT 0`);
      for (const f of got as Array<{ name: string }>) {
        expect({ field: `${type}.${field.name}`, column: f.name, inRow: keys.includes(f.name) }).toEqual({ field: `${type}.${field.name}`, column: f.name, inRow: true });
        picked.add(f.name);
      }
    }
    expect(picked.size).toBeGreaterThan(10);
  }
});

/**
 * The entities' property types as the compiler sees them (decorator metadata cannot say: it is
 * `Object` for every `T | null`): kind of the non-null part, and whether null is allowed.
 */
function declaredTypes(): Map<string, Map<string, { kind: string; nullable: boolean | undefined }>> {
  const dir = path.join(__dirname, '../../../../src/db/schema');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.entity.ts')).map((f) => path.join(dir, f));
  const program = ts.createProgram(files, { strict: true, experimentalDecorators: true, target: ts.ScriptTarget.ES2022, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const kindOf = (type: ts.Type): string => {
    if (type.isUnion()) {
      const kinds = new Set(type.types.map(kindOf));
      return kinds.size === 1 ? [...kinds][0] : 'Object';
    }
    if (type.flags & ts.TypeFlags.NumberLike) return 'Number';
    if (type.flags & ts.TypeFlags.StringLike) return 'String';
    if (type.flags & ts.TypeFlags.BooleanLike) return 'Boolean';
    if (checker.isArrayType(type)) return 'Array';
    if (type.getSymbol()?.getName() === 'Date') return 'Date';
    return 'Object';
  };
  const classes = new Map<string, Map<string, { kind: string; nullable: boolean | undefined }>>();
  for (const file of files) {
    ts.forEachChild(program.getSourceFile(file)!, (node) => {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const properties = new Map<string, { kind: string; nullable: boolean | undefined }>();
      // The instance type's properties, inherited ones included (columns shared through a base class).
      for (const symbol of checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(node.name)!).getProperties()) {
        const type = checker.getTypeOfSymbolAtLocation(symbol, node);
        // unknown and any take null too.
        const nullable = type.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any) ? undefined : type.isUnion() && type.types.some((t) => t.flags & ts.TypeFlags.Null);
        properties.set(symbol.getName(), { kind: kindOf(checker.getNonNullableType(type)), nullable });
      }
      classes.set(node.name.text, properties);
    });
  }
  return classes;
}

test('pg returns every entity column as the type and nullability its property declares; the others are refused', async () => {
  const declared = declaredTypes();
  const mismatches: string[] = [];
  let compared = 0;
  for (const entity of entities) {
    const { table, columns } = entityColumns(entity);
    const list = [...columns.values()].map((c) => `"${c.name}"`).join(', ');
    const { fields } = await pool().query(`SELECT ${list} FROM "${table}" LIMIT 0`);
    const { rows: nullability } = await pool().query(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`, [table]);
    for (const [property, column] of columns) {
      const where = `${entity.name}.${property} (${table}.${column.name})`;
      const pgKind = jsKindOfOid(fields.find((f: { name: string }) => f.name === column.name)!.dataTypeID);
      const nullable = nullability.find((r: { column_name: string }) => r.column_name === column.name)?.is_nullable === 'YES';
      const own = declared.get(entity.name)?.get(property);
      if (!own) throw new Error(`${where}: no declaration found in src/db/schema`);
      compared++;
      if (own.nullable !== undefined && own.nullable !== nullable) mismatches.push(`${where}: ${nullable ? 'the column is nullable, the property not' : 'the property is nullable, the column not'}`);
      if (!column.asDeclared) {
        // A transformer or a bigint/numeric column: pg gives a string, so no derived row may hold it.
        expect(() => selectList(entity as never, 't', [property as never])).toThrow(/select it by hand/);
        continue;
      }
      // Object: a document (jsonb) or mixed type; json: any shape the entity declares.
      if (own.kind === 'Object' || pgKind === 'json') continue;
      if (own.kind !== pgKind) mismatches.push(`${where}: the entity says ${own.kind}, pg returns ${pgKind}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(compared).toBeGreaterThan(200);
});

test('QUOTED_KEYWORDS hold every keyword PostgreSQL quotes in a column name', async () => {
  const { rows } = await pool().query(`SELECT word FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY word`);
  expect(rows.length).toBeGreaterThan(50);
  expect(rows.map((r: { word: string }) => r.word).filter((w: string) => !QUOTED_KEYWORDS.has(w))).toEqual([]);
});
