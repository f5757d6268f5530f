import { Field, Float, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection.type';
import { RowOf, selectList } from '../../db/columns';
import { InteractionEntity } from '../../db/schema/interaction.entity';

@ObjectType({ description: 'A rating (and review) of an item by a user.' })
export class Interaction {
  dbId: number;
  itemId: number;

  @Field(() => Float)
  rating: number;

  @Field()
  timestamp: Date;

  @Field(() => String, { nullable: true })
  reviewTitle: string | null;

  @Field(() => String, { nullable: true })
  reviewText: string | null;
}

@ObjectType()
export class InteractionConnection extends Connection(Interaction, 'Interaction') {}

const INTERACTION_PROPS = ['id', 'itemId', 'rating', 'reviewTitle', 'reviewText'] as const;

/** timestamp_ms is a bigint, which pg returns as a string (src/db/columns.ts derives no such column): selected and typed here. */
export type InteractionRow = RowOf<InteractionEntity, (typeof INTERACTION_PROPS)[number]> & { timestamp_ms: string };

export const INTERACTION_COLUMNS = `${selectList(InteractionEntity, 'x', INTERACTION_PROPS)}, x.timestamp_ms`;

export function toInteraction(row: InteractionRow): Interaction {
  return Object.assign(new Interaction(), {
    dbId: row.id,
    itemId: row.item_id,
    rating: row.rating,
    timestamp: new Date(Number(row.timestamp_ms)),
    reviewTitle: row.review_title,
    reviewText: row.review_text,
  });
}
