import { Field, Int, ObjectType } from 'type-graphql';
import { RowOf, selectList } from '../../db/columns';
import { StereotypeEntity } from '../../db/schema/stereotype.entity';

@ObjectType({ simpleResolvers: true, description: 'One of the five DistillRecDial user stereotypes.' })
export class Stereotype {
  dbId: number;

  @Field({ description: 'The key used in releases (`scenario`), e.g. "Fully Expressive Seeker".' })
  key: string;

  @Field({ description: 'The name the DistillRecDial paper uses.' })
  name: string;

  @Field()
  description: string;

  @Field({ description: 'None, Implicit or Explicit.' })
  preferenceExpression: string;

  @Field({ description: 'None, Vague or Specific.' })
  intentionClarity: string;

  @Field(() => [String], { description: 'Features rendered for history items.' })
  historyFeatures: string[];

  @Field(() => [String], { description: 'Features rendered for the target item.' })
  targetFeatures: string[];

  @Field({ description: 'full, titleAndId or hidden.' })
  targetVisibility: string;

  @Field(() => Int, { description: 'Accepted dialogues of this stereotype.' })
  dialogueCount: number;
}

const STEREOTYPE_PROPS = ['id', 'key', 'name', 'description', 'preferenceExpression', 'intentionClarity', 'features'] as const;

export type StereotypeRow = RowOf<StereotypeEntity, (typeof STEREOTYPE_PROPS)[number]>;

export const STEREOTYPE_COLUMNS = selectList(StereotypeEntity, '', STEREOTYPE_PROPS);

export function toStereotype(row: StereotypeRow): Stereotype {
  return Object.assign(new Stereotype(), {
    dbId: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    preferenceExpression: row.preference_expression,
    intentionClarity: row.intention_clarity,
    historyFeatures: row.features.historyFeatures,
    targetFeatures: row.features.targetFeatures,
    targetVisibility: row.features.targetVisibility,
  });
}
