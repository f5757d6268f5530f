import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { Context } from '../../graphql/context';
import { Item } from '../item/item.type';
import { Stereotype } from '../stereotype/stereotype.type';
import { User } from '../user/user.type';
import { checkSearch } from './dialogue.search';
import { primeFromDialogueRow } from './dialogue.prefetch';
import { listDialogues } from './dialogue.service';
import { Dialogue, DialogueConnection, DialogueFilter, DialogueOrder, ItemMention, SearchHighlight, Turn, ValidationIssue } from './dialogue.type';

async function itemsOf(ctx: Context, mentions: ItemMention[]): Promise<Item[]> {
  const ids = [...new Set(mentions.map((m) => m.itemId).filter((id): id is number => id !== null))];
  const items = await ctx.loaders.itemById.loadMany(ids);
  return items.filter((i): i is Item => i instanceof Item);
}

@Resolver(() => Dialogue)
export class DialogueResolver {
  @Query(() => DialogueConnection, { description: 'Dialogues, accepted ones unless filter.status says otherwise.' })
  async dialogues(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('last', () => Int, { nullable: true }) last: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
    @Arg('orderBy', () => DialogueOrder, { nullable: true, defaultValue: DialogueOrder.ID_ASC }) orderBy: DialogueOrder,
  ): Promise<DialogueConnection> {
    const value = await listDialogues(ctx.manager, { filter, orderBy, args: { first, after, last, before }, cap: ctx.config.pageCap, hints: ctx.hints, onRow: (row) => primeFromDialogueRow(ctx.loaders, row) });
    return new DialogueConnection(value);
  }

  @Query(() => Dialogue, { nullable: true })
  dialogue(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Dialogue | null> {
    return ctx.loaders.dialogueById.load(decodeId('id', id, 'Dialogue'));
  }

  @FieldResolver(() => Stereotype, { nullable: true, description: 'Null for peer datasets that have no stereotypes.' })
  stereotype(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Stereotype | null> | null {
    return d.stereotypeId === null ? null : ctx.loaders.stereotypeById.load(d.stereotypeId);
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<User | null> | null {
    return d.userId === null ? null : ctx.loaders.userById.load(d.userId);
  }

  @FieldResolver(() => Item, { nullable: true, description: 'The gold item; null when it is not in the catalogue (see targetAsin).' })
  targetItem(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Item | null> | null {
    return d.targetItemId === null ? null : ctx.loaders.itemById.load(d.targetItemId);
  }

  @FieldResolver(() => [Turn])
  turns(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Turn[]> {
    return ctx.loaders.turnsByDialogueId.load(d.dbId);
  }

  @FieldResolver(() => [SearchHighlight], {
    description:
      'The turns that contain terms of `query` (same syntax and limits as filter.search; usually the same string), in turn order, each with a snippet. ' +
      'Turns are matched on any term, since a dialogue-level match may spread its terms over several turns.',
  })
  searchHighlights(@Root() d: Dialogue, @Ctx() ctx: Context, @Arg('query') query: string): Promise<SearchHighlight[]> {
    checkSearch('query', query);
    return ctx.loaders.searchHighlights.load({ query, dialogueId: d.dbId });
  }

  @FieldResolver(() => [Item], { description: 'Catalogue items the assistant recommends, in order of first recommendation.' })
  async recommendedItems(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Item[]> {
    const { all } = await ctx.loaders.mentionsByDialogueId.load(d.dbId);
    return itemsOf(ctx, all.filter((m) => m.isRecommendation));
  }

  @FieldResolver(() => [Item], { description: 'Catalogue items mentioned by either role, in order of first mention.' })
  async mentionedItems(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Item[]> {
    const { all } = await ctx.loaders.mentionsByDialogueId.load(d.dbId);
    return itemsOf(ctx, all);
  }

  @FieldResolver(() => [String], { description: '<id_…> references to items that are not in the catalogue.' })
  async unresolvedItemIds(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<string[]> {
    const { all } = await ctx.loaders.mentionsByDialogueId.load(d.dbId);
    return [...new Set(all.filter((m) => m.itemId === null && m.rawId !== '').map((m) => m.rawId))];
  }

  @FieldResolver(() => [String], { description: 'Why the dialogue was rejected, as "CODE: detail".' })
  rejectionReasons(@Root() d: Dialogue): string[] {
    return d.rejectionRecords.map((r) => (r.detail ? `${r.code}: ${r.detail}` : r.code));
  }

  @FieldResolver(() => [ValidationIssue], { description: 'Rejection reasons with their codes and severities.' })
  rejections(@Root() d: Dialogue): ValidationIssue[] {
    return d.rejectionRecords;
  }

  @FieldResolver(() => [ValidationIssue], { description: 'Warnings recorded on import or validation.' })
  warnings(@Root() d: Dialogue): ValidationIssue[] {
    return d.warningRecords;
  }

  @FieldResolver(() => Dialogue, { nullable: true, description: 'The older version this dialogue replaced.' })
  supersedes(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Dialogue | null> | null {
    return d.supersedesDbId === null ? null : ctx.loaders.dialogueById.load(d.supersedesDbId);
  }

  @FieldResolver(() => Dialogue, { nullable: true, description: 'The newer version that replaced this dialogue.' })
  async supersededBy(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<Dialogue | null> {
    const id = await ctx.loaders.supersededBy.load(d.dbId);
    return id === null ? null : ctx.loaders.dialogueById.load(id);
  }
}

@Resolver(() => Turn)
export class TurnResolver {
  @FieldResolver(() => [ItemMention])
  async mentions(@Root() turn: Turn, @Ctx() ctx: Context): Promise<ItemMention[]> {
    const { byTurn } = await ctx.loaders.mentionsByDialogueId.load(turn.dialogueId);
    return byTurn.get(turn.dbId) ?? [];
  }
}

@Resolver(() => ItemMention)
export class ItemMentionResolver {
  @FieldResolver(() => Item, { nullable: true, description: 'Null when the reference names no catalogue item.' })
  item(@Root() m: ItemMention, @Ctx() ctx: Context): Promise<Item | null> | null {
    return m.itemId === null ? null : ctx.loaders.itemById.load(m.itemId);
  }
}

/**
 * The hot fields of a dialogue read (a page with turns and target items, a dialogue with its
 * mentions: hundreds of calls per request) as plain `(root, args, context) => value` resolvers,
 * installed over type-graphql's wrappers once the schema is built (src/server/schema.ts). The
 * wrapper looks up the resolver instance, runs the (empty) middleware chain, sorts and maps the
 * parameters, and copies a plain root such as a Turn or an ItemMention into a new class instance
 * for `@Root()` on every call (issue 13: GC). The methods above stay the one implementation;
 * the schema (SDL) does not change, only each field's `resolve`. Only fields without arguments
 * are here, so no argument conversion or validation is skipped.
 */
export function plainFieldResolvers(): Array<{ type: string; field: string; resolve: (root: any, args: unknown, ctx: Context) => unknown }> {
  const dialogues = new DialogueResolver();
  const turns = new TurnResolver();
  const mentions = new ItemMentionResolver();
  return [
    { type: 'Dialogue', field: 'turns', resolve: (d: Dialogue, _args, ctx) => dialogues.turns(d, ctx) },
    { type: 'Dialogue', field: 'targetItem', resolve: (d: Dialogue, _args, ctx) => dialogues.targetItem(d, ctx) },
    { type: 'Dialogue', field: 'stereotype', resolve: (d: Dialogue, _args, ctx) => dialogues.stereotype(d, ctx) },
    { type: 'Turn', field: 'mentions', resolve: (t: Turn, _args, ctx) => turns.mentions(t, ctx) },
    { type: 'ItemMention', field: 'item', resolve: (m: ItemMention, _args, ctx) => mentions.item(m, ctx) },
  ];
}
