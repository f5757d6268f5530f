import { Ctx, Query, Resolver } from 'type-graphql';
import { Context } from '../../server/context';
import { SplitName } from '../dialogue/dialogue.type';
import { Split } from './split.type';

@Resolver(() => Split)
export class SplitResolver {
  @Query(() => [Split], { description: 'TRAIN, VALID and TEST with their accepted dialogues per stereotype.' })
  async splits(@Ctx() ctx: Context): Promise<Split[]> {
    const rows: Array<{ split: SplitName; stereotype_id: number | null; n: number }> = await ctx.manager.query(
      `SELECT split, stereotype_id, count(*)::int AS n FROM dialogues
        WHERE status = 'ACCEPTED' AND split IS NOT NULL GROUP BY split, stereotype_id`,
    );
    const stereotypes = await ctx.loaders.allStereotypes();
    return [SplitName.TRAIN, SplitName.VALID, SplitName.TEST].map((name) => {
      const mine = rows.filter((r) => r.split === name);
      return {
        name,
        dialogueCount: mine.reduce((sum, r) => sum + r.n, 0),
        byStereotype: stereotypes.map((stereotype) => ({
          stereotype,
          count: mine.find((r) => r.stereotype_id === stereotype.dbId)?.n ?? 0,
        })),
      };
    });
  }
}
