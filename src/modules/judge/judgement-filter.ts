import { Field, Float, InputType } from 'type-graphql';
import type { JudgementSelection } from '../../dialogues/judgement';

/**
 * DialogueFilter.judgement: dialogues whose latest judgement on `rubric` scores `criterion` below
 * (or at least) a value. Dialogues never judged on the rubric do not match. Its own file, so that
 * dialogue.type can use it without importing the judge module.
 */
@InputType()
export class JudgementFilter implements JudgementSelection {
  @Field({ description: 'The rubric key, e.g. LLM_REDIAL.' })
  rubric: string;

  @Field({ description: 'A criterion of the rubric, e.g. informativeness.' })
  criterion: string;

  @Field(() => Float, { nullable: true, description: 'Score strictly below this.' })
  below?: number | null;

  @Field(() => Float, { nullable: true, description: 'Score at least this.' })
  atLeast?: number | null;
}
