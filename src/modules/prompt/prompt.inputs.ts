import { Field, InputType } from 'type-graphql';
import { PromptKind } from './prompt.type';

@InputType({ description: 'A new version of a prompt; it becomes the active one.' })
export class UpdatePromptInput {
  @Field(() => PromptKind)
  kind: PromptKind;

  @Field(() => String, { nullable: true, description: 'The stereotype key for STEREOTYPE_SYSTEM (required); "default" (or omitted) for GOAL_TEMPLATE_INSTRUCTIONS.' })
  key?: string | null;

  @Field({ description: 'The full prompt text; must not be empty.' })
  content: string;

  @Field(() => String, { nullable: true, description: 'Why it changed.' })
  note?: string | null;
}
