import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PromptVersionRecord } from './prompt.service';

export enum PromptKind {
  STEREOTYPE_SYSTEM = 'STEREOTYPE_SYSTEM',
  GOAL_TEMPLATE_INSTRUCTIONS = 'GOAL_TEMPLATE_INSTRUCTIONS',
}
registerEnumType(PromptKind, {
  name: 'PromptKind',
  description: 'STEREOTYPE_SYSTEM: the system prompt of one stereotype (key = the stereotype key). GOAL_TEMPLATE_INSTRUCTIONS: the goal-template instructions (key = "default").',
});

@ObjectType({ simpleResolvers: true, description: 'One version of an editable prompt. Version 0 is the built-in default; the latest version is active.' })
export class PromptVersion {
  @Field(() => PromptKind)
  kind: PromptKind;

  @Field({ description: 'The stereotype key, or "default".' })
  key: string;

  @Field(() => Int, { description: '0 for the built-in default, then 1, 2, … as operators edit it.' })
  version: number;

  @Field()
  content: string;

  @Field({ description: 'SHA-256 (hex) of content, as recorded with generations.' })
  sha256: string;

  @Field({ description: 'True for version 0, the default that ships with recdial.' })
  builtIn: boolean;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => String, { nullable: true, description: 'The name of the operator API key that stored it.' })
  createdBy: string | null;

  @Field(() => Date, { nullable: true, description: 'Null for the built-in version.' })
  createdAt: Date | null;
}

export function toPromptVersion(record: PromptVersionRecord): PromptVersion {
  return Object.assign(new PromptVersion(), { ...record, kind: record.kind as PromptKind });
}
