import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { Context } from '../../graphql/context';
import { badInput } from '../../errors';
import { listDialogues } from '../dialogue/dialogue.service';
import { DialogueConnection } from '../dialogue/dialogue.type';
import { Interaction, InteractionConnection } from '../interaction/interaction.type';
import { Item } from '../item/item.type';
import { Preparation } from '../preparation/preparation.type';
import { Stereotype } from '../stereotype/stereotype.type';
import { GoalProfile } from './user-profile.type';
import { listInteractions, listUsers, userIdBySourceId } from './user.service';
import { User, UserConnection, UserFilter } from './user.type';

@Resolver(() => User)
export class UserResolver {
  @Query(() => UserConnection)
  async users(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => UserFilter, { nullable: true }) filter: UserFilter | null,
  ): Promise<UserConnection> {
    return new UserConnection(await listUsers(ctx.manager, filter, { first, after }, ctx.config.pageCap));
  }

  @Query(() => User, { nullable: true, description: 'A user by global id or by source id (exactly one of them); `domain` picks among users with the same source id.' })
  async user(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Arg('sourceId', () => String, { nullable: true }) sourceId: string | null,
    @Arg('domain', () => String, { nullable: true }) domain: string | null,
  ): Promise<User | null> {
    if ((id == null) === (sourceId == null)) throw badInput(id == null ? 'id' : 'sourceId', 'give exactly one of id and sourceId');
    if (id != null) return ctx.loaders.userById.load(decodeId('id', id, 'User'));
    // The same Amazon reviewer is one user per domain.
    const userId = await userIdBySourceId(ctx.manager, sourceId!, domain);
    return userId === null ? null : ctx.loaders.userById.load(userId);
  }

  @FieldResolver(() => InteractionConnection, { description: 'Ratings and reviews, oldest first.' })
  async interactions(
    @Root() user: User,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<InteractionConnection> {
    return new InteractionConnection(await listInteractions(ctx.manager, user.dbId, { first, after }, ctx.config.pageCap));
  }

  @FieldResolver(() => DialogueConnection)
  async dialogues(
    @Root() user: User,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<DialogueConnection> {
    const scope = { where: ['d.user_id = $1'], params: [user.dbId] };
    return new DialogueConnection(await listDialogues(ctx.manager, { args: { first, after }, cap: ctx.config.pageCap, scope }));
  }
}

async function items(ctx: Context, ids: number[]): Promise<Item[]> {
  return (await ctx.loaders.itemById.loadMany(ids)).filter((item): item is Item => item instanceof Item);
}

/** Fields filled by `recdial prepare` (STEREOTYPE strategy); empty or null for users it has not prepared. */
@Resolver(() => User)
export class UserProfileResolver {
  @FieldResolver(() => Stereotype, { nullable: true, description: 'The seeded stereotype assignment (docs/pipeline.md §3.4).' })
  async stereotype(@Root() user: User, @Ctx() ctx: Context): Promise<Stereotype | null> {
    const profile = await ctx.loaders.stereotypeProfileByUserId.load(user.dbId);
    return profile?.stereotype_id ? ctx.loaders.stereotypeById.load(profile.stereotype_id) : null;
  }

  @FieldResolver(() => [Interaction], { description: 'Up to historySize interactions before the target, oldest first.' })
  async history(@Root() user: User, @Ctx() ctx: Context): Promise<Interaction[]> {
    const profile = await ctx.loaders.stereotypeProfileByUserId.load(user.dbId);
    const found = await ctx.loaders.interactionByUserItem.loadMany((profile?.history_item_ids ?? []).map((item) => `${user.dbId}:${item}`));
    return found.filter((x): x is Interaction => x instanceof Interaction);
  }

  @FieldResolver(() => Interaction, { nullable: true, description: "The user's latest interaction: what a dialogue should lead to." })
  async target(@Root() user: User, @Ctx() ctx: Context): Promise<Interaction | null> {
    const profile = await ctx.loaders.stereotypeProfileByUserId.load(user.dbId);
    return profile?.target_item_id ? ctx.loaders.interactionByUserItem.load(`${user.dbId}:${profile.target_item_id}`) : null;
  }

  @FieldResolver(() => [Item], { description: 'History items rated above 3 stars.' })
  async likedItems(@Root() user: User, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, (await ctx.loaders.stereotypeProfileByUserId.load(user.dbId))?.liked_item_ids ?? []);
  }

  @FieldResolver(() => [Item], { description: 'History items rated 3 stars or fewer.' })
  async dislikedItems(@Root() user: User, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, (await ctx.loaders.stereotypeProfileByUserId.load(user.dbId))?.disliked_item_ids ?? []);
  }

  @FieldResolver(() => Preparation, { nullable: true, description: 'The run that computed history, target and stereotype.' })
  async preparation(@Root() user: User, @Ctx() ctx: Context): Promise<Preparation | null> {
    const profile = await ctx.loaders.stereotypeProfileByUserId.load(user.dbId);
    return profile?.preparation_id ? ctx.loaders.preparationById.load(profile.preparation_id) : null;
  }

  @FieldResolver(() => GoalProfile, { nullable: true })
  async goalProfile(@Root() user: User, @Ctx() ctx: Context): Promise<GoalProfile | null> {
    const row = await ctx.loaders.goalProfileByUserId.load(user.dbId);
    return row ? Object.assign(new GoalProfile(), { row, source: row.preparation_id ? 'prepare' : 'llm-redial' }) : null;
  }
}

@Resolver(() => GoalProfile)
export class GoalProfileResolver {
  @FieldResolver(() => [Item], { description: 'LIKES: positives (≥ 4 stars) other than the might-likes.' })
  likes(@Root() p: GoalProfile, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, p.row.liked_item_ids);
  }

  @FieldResolver(() => [Item], { description: 'DISLIKES: interactions rated 2 stars or fewer.' })
  dislikes(@Root() p: GoalProfile, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, p.row.disliked_item_ids);
  }

  @FieldResolver(() => [Item], { description: 'MIGHT_LIKES: the last 10 % of the positives (rounded up), the gold recommendations.' })
  mightLikes(@Root() p: GoalProfile, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, p.row.might_like_item_ids);
  }

  @FieldResolver(() => [Item], { description: 'Every interaction but the might-likes, oldest first (LLM-REDIAL `history_interaction`).' })
  history(@Root() p: GoalProfile, @Ctx() ctx: Context): Promise<Item[]> {
    return items(ctx, p.row.history_item_ids);
  }

  @FieldResolver(() => Preparation, { nullable: true })
  async preparation(@Root() p: GoalProfile, @Ctx() ctx: Context): Promise<Preparation | null> {
    return p.row.preparation_id ? ctx.loaders.preparationById.load(p.row.preparation_id) : null;
  }
}

@Resolver(() => Interaction)
export class InteractionResolver {
  @FieldResolver(() => Item)
  async item(@Root() interaction: Interaction, @Ctx() ctx: Context): Promise<Item> {
    return (await ctx.loaders.itemById.load(interaction.itemId))!;
  }
}
