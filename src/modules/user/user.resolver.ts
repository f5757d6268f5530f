import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { Context } from '../../server/context';
import { badInput } from '../../server/errors';
import { listDialogues } from '../dialogue/dialogue.service';
import { DialogueConnection } from '../dialogue/dialogue.type';
import { Interaction, InteractionConnection } from '../interaction/interaction.type';
import { Item } from '../item/item.type';
import { listInteractions, listUsers } from './user.service';
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

  @Query(() => User, { nullable: true, description: 'A user by global id or by source id (exactly one of them).' })
  async user(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Arg('sourceId', () => String, { nullable: true }) sourceId: string | null,
  ): Promise<User | null> {
    if ((id == null) === (sourceId == null)) throw badInput(id == null ? 'id' : 'sourceId', 'give exactly one of id and sourceId');
    if (id != null) return ctx.loaders.userById.load(decodeId('id', id, 'User'));
    const [row] = await ctx.manager.query('SELECT id FROM users WHERE source_id = $1', [sourceId]);
    return row ? ctx.loaders.userById.load(row.id) : null;
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

@Resolver(() => Interaction)
export class InteractionResolver {
  @FieldResolver(() => Item)
  async item(@Root() interaction: Interaction, @Ctx() ctx: Context): Promise<Item> {
    return (await ctx.loaders.itemById.load(interaction.itemId))!;
  }
}
