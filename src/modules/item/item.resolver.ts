import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { Context } from '../../graphql/context';
import { badInput } from '../../errors';
import { primeFromDialogueRow } from '../dialogue/dialogue.prefetch';
import { listDialogues } from '../dialogue/dialogue.service';
import { DialogueConnection, DialogueFilter } from '../dialogue/dialogue.type';
import { itemDialogueScope, listItems } from './item.service';
import { Item, ItemConnection, ItemFilter, ItemRole } from './item.type';

@Resolver(() => Item)
export class ItemResolver {
  @Query(() => ItemConnection)
  async items(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('last', () => Int, { nullable: true }) last: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Arg('filter', () => ItemFilter, { nullable: true }) filter: ItemFilter | null,
  ): Promise<ItemConnection> {
    return new ItemConnection(await listItems(ctx.manager, filter, { first, after, last, before }, ctx.config.pageCap));
  }

  @Query(() => Item, { nullable: true, description: 'An item by global id or by ASIN (exactly one of them).' })
  item(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Arg('asin', () => String, { nullable: true }) asin: string | null,
  ): Promise<Item | null> {
    if ((id == null) === (asin == null)) throw badInput(id == null ? 'id' : 'asin', 'give exactly one of id and asin');
    return id != null ? ctx.loaders.itemById.load(decodeId('id', id, 'Item')) : ctx.loaders.itemByAsin.load(asin!);
  }

  @FieldResolver(() => DialogueConnection, { description: 'Dialogues with this item as target (TARGET), mentioned in a turn (MENTION), or either.' })
  async dialogues(
    @Root() item: Item,
    @Ctx() ctx: Context,
    @Arg('role', () => ItemRole, { nullable: true }) role: ItemRole | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
  ): Promise<DialogueConnection> {
    const value = await listDialogues(ctx.manager, {
      filter,
      args: { first, after },
      cap: ctx.config.pageCap,
      scope: itemDialogueScope(item.dbId, role, after),
      hints: ctx.hints,
      onRow: (row) => primeFromDialogueRow(ctx.loaders, row),
    });
    return new DialogueConnection(value);
  }
}
