import { Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Context } from '../../graphql/context';
import { Stereotype } from './stereotype.type';

@Resolver(() => Stereotype)
export class StereotypeResolver {
  @Query(() => [Stereotype], { description: 'The five stereotypes in canonical order.' })
  stereotypes(@Ctx() ctx: Context): Promise<Stereotype[]> {
    return ctx.loaders.allStereotypes();
  }

  @FieldResolver(() => Int)
  dialogueCount(@Root() s: Stereotype, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.dialogueCountByStereotype.load(s.dbId);
  }
}
