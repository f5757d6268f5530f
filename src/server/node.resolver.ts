import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { fromGlobalId } from '../pagination/global-id';
import { Node } from '../pagination/node.type';
import { Context } from './context';
import { badInput } from './errors';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id.' })
  async node(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Node | null> {
    const parsed = fromGlobalId(id);
    if (!parsed || !/^\d{1,10}$/.test(parsed.id)) throw badInput('id', `"${id}" is not a valid id`);
    const dbId = Number(parsed.id);
    switch (parsed.type) {
      case 'Dialogue':
        return ctx.loaders.dialogueById.load(dbId);
      case 'Item':
        return ctx.loaders.itemById.load(dbId);
      case 'User':
        return ctx.loaders.userById.load(dbId);
      case 'Preparation':
        return ctx.loaders.preparationById.load(dbId);
      default:
        throw badInput('id', `"${id}" names an unknown type "${parsed.type}"`);
    }
  }
}
