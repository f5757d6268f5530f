import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Context } from '../../graphql/context';
import { requireOperator } from '../../graphql/auth';
import { Stereotype } from '../stereotype/stereotype.type';
import { UpdatePromptInput } from './prompt.inputs';
import { activePrompt, DEFAULT_PROMPT_KEY, promptHistory, updatePrompt } from './prompt.service';
import { PromptKind, PromptVersion, toPromptVersion } from './prompt.type';

@Resolver(() => PromptVersion)
export class PromptResolver {
  @Query(() => [PromptVersion], { description: 'Every version of a prompt, newest first, down to the built-in version 0.' })
  async promptVersions(
    @Ctx() ctx: Context,
    @Arg('kind', () => PromptKind) kind: PromptKind,
    @Arg('key', { description: 'The stereotype key, or "default" for GOAL_TEMPLATE_INSTRUCTIONS.' }) key: string,
  ): Promise<PromptVersion[]> {
    return (await promptHistory(ctx.manager, kind, key)).map(toPromptVersion);
  }

  @Query(() => PromptVersion, { description: 'The active goal-template instructions.' })
  async goalTemplateInstructions(@Ctx() ctx: Context): Promise<PromptVersion> {
    return toPromptVersion(await activePrompt(ctx.manager, 'GOAL_TEMPLATE_INSTRUCTIONS', DEFAULT_PROMPT_KEY));
  }

  @Mutation(() => PromptVersion, { description: 'Stores a new version of a prompt and makes it active (operator key).' })
  async updatePrompt(@Ctx() ctx: Context, @Arg('input', () => UpdatePromptInput) input: UpdatePromptInput): Promise<PromptVersion> {
    const principal = requireOperator(ctx);
    const record = await updatePrompt(ctx.manager, { kind: input.kind, key: input.key, content: input.content, note: input.note, createdBy: principal.name });
    return toPromptVersion(record);
  }
}

@Resolver(() => Stereotype)
export class StereotypePromptResolver {
  @FieldResolver(() => PromptVersion, { description: 'The active system prompt of this stereotype.' })
  async systemPrompt(@Root() s: Stereotype, @Ctx() ctx: Context): Promise<PromptVersion> {
    return toPromptVersion(await ctx.loaders.activeStereotypePrompt.load(s.key));
  }
}
