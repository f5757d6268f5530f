import { Field, Int, ObjectType } from 'type-graphql';
import { SplitName } from '../dialogue/dialogue.type';
import { Stereotype } from '../stereotype/stereotype.type';

@ObjectType()
export class StereotypeCount {
  @Field(() => Stereotype)
  stereotype: Stereotype;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'A dataset split with its accepted dialogues.' })
export class Split {
  @Field(() => SplitName)
  name: SplitName;

  @Field(() => Int)
  dialogueCount: number;

  @Field(() => [StereotypeCount])
  byStereotype: StereotypeCount[];
}
