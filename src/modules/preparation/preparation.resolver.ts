import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Context } from '../../server/context';
import { Preparation, PREPARATION_COLUMNS, PreparationRow, PreparationStrategy, toPreparation } from './preparation.type';

@Resolver(() => Preparation)
export class PreparationResolver {
  @Query(() => [Preparation], { description: '`recdial prepare` runs, newest first (a short list: one per run).' })
  async preparations(
    @Ctx() ctx: Context,
    @Arg('domain', () => String, { nullable: true }) domain: string | null,
    @Arg('strategy', () => PreparationStrategy, { nullable: true }) strategy: PreparationStrategy | null,
  ): Promise<Preparation[]> {
    const rows: PreparationRow[] = await ctx.manager.query(
      `SELECT ${PREPARATION_COLUMNS} FROM preparations p
        WHERE ($1::text IS NULL OR p.domain = $1) AND ($2::text IS NULL OR p.strategy = $2)
        ORDER BY p.id DESC`,
      [domain, strategy],
    );
    return rows.map(toPreparation);
  }
}
