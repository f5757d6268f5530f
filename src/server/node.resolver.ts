import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { fromGlobalId } from '../pagination/global-id';
import { Node } from '../graphql/node.type';
import { getEvaluation } from '../modules/evaluation/evaluation.service';
import { toEvaluation } from '../modules/evaluation/evaluation.type';
import { getExport } from '../modules/export/export.service';
import { getRun } from '../modules/generation/generation.service';
import { sampleById } from '../modules/sample/sample.service';
import { Context } from '../graphql/context';
import { badInput } from '../errors';

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
      case 'GenerationRun':
        return getRun(ctx.manager, dbId);
      case 'UserSample':
        return sampleById(ctx.manager, dbId);
      case 'Export':
        return getExport(ctx.manager, dbId);
      case 'Evaluation': {
        const evaluation = await getEvaluation(ctx.manager, dbId);
        return evaluation && toEvaluation(evaluation);
      }
      default:
        throw badInput('id', `"${id}" names an unknown type "${parsed.type}"`);
    }
  }
}
