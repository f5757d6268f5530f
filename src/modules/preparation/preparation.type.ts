import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';
import { RowOf, selectList } from '../../db/columns';
import { PreparationEntity } from '../../db/schema/preparation.entity';
import type { KCoreRound as KCoreRoundRecord, PrepareConfig } from '../../prepare/prepare';

export enum PreparationStrategy {
  STEREOTYPE = 'STEREOTYPE',
  GOAL_TEMPLATE = 'GOAL_TEMPLATE',
}
registerEnumType(PreparationStrategy, {
  name: 'PreparationStrategy',
  description: 'STEREOTYPE: DistillRecDial histories and targets (docs/pipeline.md §2). GOAL_TEMPLATE: the LLM-REDIAL view (§11.1).',
});

@ObjectType({ simpleResolvers: true })
export class KCoreRound {
  @Field(() => Int)
  round: number;

  @Field(() => Int, { description: 'Rating rows at the start of the round.' })
  rows: number;

  @Field(() => Int)
  users: number;

  @Field(() => Int)
  items: number;

  @Field(() => Int, { description: 'Rows the round removed.' })
  removed: number;
}

@ObjectType({ simpleResolvers: true, description: 'How many records a stage left out, and why.' })
export class ReasonCount {
  @Field({ description: 'items, reviews, users or warnings.' })
  stage: string;

  @Field({ description: 'e.g. NO_TITLE, SHORT_TITLE, NO_TMDB_MATCH, DUPLICATE_REVIEW, NO_INTERACTIONS, NO_GOLD, EMPTY_HISTORY.' })
  code: string;

  @Field(() => Int)
  count: number;
}

@ObjectType({ simpleResolvers: true })
export class StereotypeUserCount {
  @Field()
  stereotype: string;

  @Field(() => Int)
  users: number;
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'One `recdial prepare` run: its configuration and report.' })
export class Preparation extends Node {
  dbId: number;

  @Field(() => ID)
  declare id: string;

  @Field()
  domain: string;

  @Field(() => PreparationStrategy)
  strategy: PreparationStrategy;

  @Field(() => Int)
  seed: number;

  @Field(() => Int)
  kCore: number;

  @Field(() => Int)
  historySize: number;

  @Field({ description: 'Whether catalogue items needed a tmdb_movies.json record.' })
  tmdbMatch: boolean;

  @Field({ description: 'ratings (the 5-core CSV) or reviews (derived from the review file).' })
  ratingsSource: string;

  @Field({ description: 'The resolved configuration as JSON.' })
  config: string;

  @Field({ description: 'SHA-256 of the canonical configuration.' })
  configHash: string;

  @Field(() => Int)
  catalogueItems: number;

  @Field(() => Int)
  coreUsers: number;

  @Field(() => Int)
  coreItems: number;

  @Field(() => Int)
  interactions: number;

  @Field(() => Int, { description: 'Users that received a profile.' })
  users: number;

  @Field(() => [KCoreRound])
  kCoreRounds: KCoreRound[];

  @Field(() => [ReasonCount])
  removed: ReasonCount[];

  @Field(() => [StereotypeUserCount])
  usersPerStereotype: StereotypeUserCount[];

  @Field()
  createdAt: Date;
}

/** The report as the preparation writes it (src/prepare/prepare.ts). */
interface PreparationReport {
  catalogueItems?: number;
  coreUsers?: number;
  coreItems?: number;
  interactions?: number;
  users?: number;
  kCoreRounds?: KCoreRoundRecord[];
  itemsRemoved?: Record<string, number>;
  reviewsRemoved?: Record<string, number>;
  usersSkipped?: Record<string, number>;
  warnings?: Record<string, number>;
  usersPerStereotype?: Record<string, number>;
}

const PREPARATION_PROPS = ['id', 'domain', 'strategy', 'config', 'configHash', 'report', 'createdAt'] as const;

export type PreparationRow = RowOf<PreparationEntity, (typeof PREPARATION_PROPS)[number], { strategy: PreparationStrategy; config: PrepareConfig; report: PreparationReport }>;

export const PREPARATION_COLUMNS = selectList(PreparationEntity, 'p', PREPARATION_PROPS);

function reasons(stage: string, counts: Record<string, number> | undefined): ReasonCount[] {
  return Object.entries(counts ?? {}).map(([code, count]) => ({ stage, code, count }));
}

export function toPreparation(row: PreparationRow): Preparation {
  const r = row.report;
  return Object.assign(new Preparation(), {
    dbId: row.id,
    id: toGlobalId('Preparation', row.id),
    domain: row.domain,
    strategy: row.strategy,
    seed: row.config.seed,
    kCore: row.config.kCore,
    historySize: row.config.historySize,
    tmdbMatch: row.config.tmdbMatch,
    ratingsSource: row.config.ratingsSource,
    config: JSON.stringify(row.config),
    configHash: row.config_hash,
    catalogueItems: r.catalogueItems ?? 0,
    coreUsers: r.coreUsers ?? 0,
    coreItems: r.coreItems ?? 0,
    interactions: r.interactions ?? 0,
    users: r.users ?? 0,
    kCoreRounds: r.kCoreRounds ?? [],
    removed: [...reasons('items', r.itemsRemoved), ...reasons('reviews', r.reviewsRemoved), ...reasons('users', r.usersSkipped), ...reasons('warnings', r.warnings)],
    usersPerStereotype: Object.entries(r.usersPerStereotype ?? {}).map(([stereotype, users]) => ({ stereotype, users })),
    createdAt: row.created_at,
  });
}
