import { Field, Float, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection.type';

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

export interface InteractionRow {
  id: number;
  item_id: number;
  rating: number;
  timestamp_ms: string;
  review_title: string | null;
  review_text: string | null;
}

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
