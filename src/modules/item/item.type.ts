import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';
import { Connection } from '../../graphql/connection.type';
import { RowOf, selectList } from '../../db/columns';
import { ItemEntity } from '../../db/schema/item.entity';

export enum ItemRole {
  TARGET = 'TARGET',
  MENTION = 'MENTION',
}
registerEnumType(ItemRole, { name: 'ItemRole', description: 'How a dialogue refers to an item.' });

@ObjectType({ implements: Node, simpleResolvers: true, description: 'A catalogue item (an Amazon parent_asin, with TMDB metadata).' })
export class Item extends Node {
  dbId: number;

  @Field(() => ID)
  declare id: string;

  @Field({ description: 'Amazon parent_asin, or a minted key for peer datasets.' })
  asin: string;

  @Field()
  domain: string;

  @Field({ description: 'The TMDB title, as shown in prompts.' })
  title: string;

  @Field({ description: 'Title without (...) and [...] parts: what dialogues and exports show.' })
  cleanedTitle: string;

  @Field(() => [String])
  genres: string[];

  @Field(() => [String])
  keywords: string[];

  @Field(() => [String], { description: 'Top 10 actors by TMDB popularity.' })
  cast: string[];

  @Field(() => [String])
  directors: string[];

  @Field(() => String, { nullable: true })
  overview: string | null;

  @Field(() => String, { nullable: true })
  collection: string | null;

  @Field(() => [String])
  countries: string[];

  @Field(() => String, { nullable: true })
  visualCaption: string | null;

  @Field(() => [String], { description: 'Amazon description paragraphs.' })
  description: string[];

  @Field(() => [String], { description: 'Amazon bullet points.' })
  features: string[];

  @Field(() => [String], { description: 'Amazon category path.' })
  categories: string[];

  @Field(() => [ItemDetail], { description: 'Amazon product details (e.g. "Run time") by name; values that are not strings as JSON text.' })
  details: ItemDetail[];
}

@ObjectType({ simpleResolvers: true })
export class ItemDetail {
  @Field()
  name: string;

  @Field()
  value: string;
}

/** Amazon `details` is an object of mostly strings; a value that is not a string is shown as JSON. */
function toDetails(details: unknown): ItemDetail[] {
  if (details === null || details === undefined) return [];
  if (typeof details !== 'object' || Array.isArray(details)) return [{ name: '', value: typeof details === 'string' ? details : JSON.stringify(details) }];
  // jsonb keeps no key order: sort by name so the list is stable.
  return Object.entries(details)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

@ObjectType()
export class ItemConnection extends Connection(Item, 'Item') {}

@InputType()
export class ItemFilter {
  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => String, { nullable: true, description: 'Items with this genre name.' })
  genre?: string | null;

  @Field(() => String, { nullable: true, description: 'Words of the title.' })
  search?: string | null;
}

/** The columns the API reads of `items` (not tmdb_id, metadata, the timestamps). */
const ITEM_PROPS = [
  'id',
  'asin',
  'domain',
  'title',
  'cleanedTitle',
  'genres',
  'keywords',
  'cast',
  'directors',
  'overview',
  'collection',
  'countries',
  'visualCaption',
  'description',
  'features',
  'categories',
  'details',
] as const;

export type ItemRow = RowOf<ItemEntity, (typeof ITEM_PROPS)[number]>;

export function toItem(row: ItemRow): Item {
  return Object.assign(new Item(), {
    dbId: row.id,
    id: toGlobalId('Item', row.id),
    asin: row.asin,
    domain: row.domain,
    title: row.title,
    cleanedTitle: row.cleaned_title,
    genres: row.genres,
    keywords: row.keywords,
    cast: row.cast,
    directors: row.directors,
    overview: row.overview,
    collection: row.collection,
    countries: row.countries,
    visualCaption: row.visual_caption,
    description: row.description,
    features: row.features,
    categories: row.categories,
    details: toDetails(row.details),
  });
}

/** Derived from the entity once (src/db/columns.ts): the same text as the list that was written out here. */
export const ITEM_COLUMNS = selectList(ItemEntity, 'i', ITEM_PROPS);
