import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { GenerationRun } from '../generation/generation.type';
import { StereotypeCount } from '../split/split.type';
import { UserConnection } from '../user/user.type';
import { listSamples, listSampleUsers, sampleByName } from './sample.service';
import { UserSample } from './sample.type';

@Resolver(() => UserSample)
export class UserSampleResolver {
  @Query(() => [UserSample], { description: 'Stored user samples (teacher samples), newest first.' })
  userSamples(@Ctx() ctx: Context): Promise<UserSample[]> {
    return listSamples(ctx.manager);
  }

  @Query(() => UserSample, { nullable: true })
  userSample(@Ctx() ctx: Context, @Arg('name', () => String) name: string): Promise<UserSample | null> {
    return sampleByName(ctx.manager, name);
  }

  @FieldResolver(() => [StereotypeCount], { description: 'Members per stereotype stratum, in the order the sample drew them (canonical order).' })
  async byStereotype(@Root() sample: UserSample, @Ctx() ctx: Context): Promise<StereotypeCount[]> {
    const stereotypes = await ctx.loaders.stereotypeById.loadMany(sample.memberCounts.map((c) => c.stereotypeId));
    return sample.memberCounts.flatMap((c, i) => {
      const stereotype = stereotypes[i];
      return stereotype && !(stereotype instanceof Error) ? [{ stereotype, count: c.count }] : [];
    });
  }

  @FieldResolver(() => GenerationRun, { nullable: true, description: 'The run that drew the sample.' })
  generationRun(@Root() sample: UserSample, @Ctx() ctx: Context): Promise<GenerationRun | null> | null {
    return sample.generationRunId === null ? null : ctx.loaders.generationRunById.load(sample.generationRunId);
  }

  @FieldResolver(() => UserConnection, { description: 'The sampled users, by id.' })
  async users(
    @Root() sample: UserSample,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<UserConnection> {
    return new UserConnection(await listSampleUsers(ctx.manager, sample.dbId, { first, after }, ctx.config.pageCap));
  }
}
