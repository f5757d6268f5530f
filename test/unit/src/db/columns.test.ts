import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { describeList, quoteColumn, RowOf, selectList, selectListAs, SnakeCase } from '../../../../src/db/columns';
import { InteractionEntity } from '../../../../src/db/schema/interaction.entity';
import { ItemEntity } from '../../../../src/db/schema/item.entity';
import { JudgementEntity } from '../../../../src/db/schema/judge.entity';

// Type-level checks: `npx tsc -p .` compiles the tests, so a wrong derivation fails the build.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;
assertType<Equal<SnakeCase<'rubricSha256'>, 'rubric_sha256'>>();
assertType<Equal<SnakeCase<'cleanedTitle'>, 'cleaned_title'>>();
assertType<Equal<RowOf<ItemEntity, 'id' | 'cleanedTitle' | 'overview'>, { id: number; cleaned_title: string; overview: string | null }>>();
assertType<Equal<RowOf<ItemEntity, 'id' | 'details', { details: { a: 1 } }>, { id: number; details: { a: 1 } }>>();

test('selectList: the columns of the properties, in their order, on the alias, keywords quoted', () => {
  expect(selectList(ItemEntity, 'i', ['id', 'cleanedTitle', 'cast', 'visualCaption'])).toBe('i.id, i.cleaned_title, i."cast", i.visual_caption');
  expect(selectList(ItemEntity, '', ['title', 'cast'])).toBe('title, "cast"');
  expect(describeList('i.id, i.cleaned_title, i."cast", i.visual_caption')).toEqual({
    list: 'i.id, i.cleaned_title, i."cast", i.visual_caption',
    table: 'items',
    alias: 'i',
    keys: ['id', 'cleaned_title', 'cast', 'visual_caption'],
    properties: ['id', 'cleanedTitle', 'cast', 'visualCaption'],
  });
});

/** A property whose column is not its snake_case. */
@Entity('renamed_rows')
class RenamedEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'idx' })
  position: number;

  @Column('text')
  label: string;
}

test('selectListAs: keyed by property, aliased only where the column is named otherwise', () => {
  expect(selectListAs(JudgementEntity, 'j', ['id', 'rubricSha256'])).toBe('j.id, j.rubric_sha256 AS "rubricSha256"');
  expect(selectListAs(RenamedEntity, 'r', ['position', 'label'])).toBe('r.idx AS "position", r.label');
});

/** Columns shared by several entities through a base class (as the job columns are). */
abstract class SharedColumns {
  @Column('text', { name: 'shared_note', nullable: true })
  sharedNote: string | null;
}

@Entity('probe_rows')
class ProbeEntity extends SharedColumns {
  @PrimaryGeneratedColumn()
  id: number;
}

test('inherited columns are columns of the entity', () => {
  expect(selectList(ProbeEntity, 'p', ['id', 'sharedNote'])).toBe('p.id, p.shared_note');
  assertType<Equal<RowOf<ProbeEntity, 'id' | 'sharedNote'>, { id: number; shared_note: string | null }>>();
});

test('refuses what a derived row type would misdescribe', () => {
  // A property whose column is not its snake_case: RowOf would name the key wrongly.
  expect(() => selectList(RenamedEntity, 'r', ['position'])).toThrow('RenamedEntity.position: column idx is not snake_case of the property, as RowOf assumes');
  // A bigint with a transformer: pg returns a string where the entity says number.
  expect(() => selectList(InteractionEntity, 'x', ['timestampMs'])).toThrow('InteractionEntity.timestampMs: pg returns interactions.timestamp_ms as a string; select it by hand');
  expect(() => selectListAs(InteractionEntity, 'x', ['timestampMs'])).toThrow(/select it by hand/);
  // A relation is no column.
  expect(() => selectList(InteractionEntity, 'x', ['item'])).toThrow('InteractionEntity.item is not a column');
});

test('quoteColumn quotes keywords and names that are not plain lower-case identifiers', () => {
  expect(quoteColumn('values')).toBe('"values"');
  expect(quoteColumn('user')).toBe('"user"');
  expect(quoteColumn('key')).toBe('key');
  expect(quoteColumn('Mixed')).toBe('"Mixed"');
  expect(quoteColumn('a"b')).toBe('"a""b"');
});
