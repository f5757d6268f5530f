import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Context } from '../../graphql/context';
import { listPreparations } from './preparation.service';
import { Preparation, PreparationStrategy } from './preparation.type';

@Resolver(() => Preparation)
export class PreparationResolver {
  @Query(() => [Preparation], { description: '`recdial prepare` runs, newest first (a short list: one per run).' })
  async preparations(
    @Ctx() ctx: Context,
    @Arg('domain', () => String, { nullable: true }) domain: string | null,
    @Arg('strategy', () => PreparationStrategy, { nullable: true }) strategy: PreparationStrategy | null,
  ): Promise<Preparation[]> {
    return listPreparations(ctx.manager, { domain, strategy });
  }
}
