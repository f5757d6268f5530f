import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum StatisticsGroup {
  STEREOTYPE = 'stereotype',
  SPLIT = 'split',
  SOURCE = 'source',
  DATASET = 'dataset',
  DOMAIN = 'domain',
}
export enum StatisticsTokenizer {
  WHITESPACE = 'whitespace',
  WORD = 'word',
  GPT2 = 'gpt2',
  BERT = 'bert',
}
export enum DiversityMethod {
  EMBEDDINGS = 'EMBEDDINGS',
  TFIDF = 'TFIDF',
}
registerEnumType(StatisticsGroup, { name: 'StatisticsGroup', description: 'A dialogue attribute that statistics can be grouped by (several combine).' });
registerEnumType(StatisticsTokenizer, {
  name: 'StatisticsTokenizer',
  description: 'WHITESPACE (default), WORD (docs/formats.md §8.8), GPT2 (BPE pieces) or BERT (bert-base-uncased wordpieces).',
});
registerEnumType(DiversityMethod, {
  name: 'DiversityMethod',
  description: 'EMBEDDINGS from the configured /v1/embeddings endpoint, or a local TFIDF when none is configured.',
});

@ObjectType({ simpleResolvers: true })
export class StatisticsGroupValue {
  @Field(() => StatisticsGroup)
  key: StatisticsGroup;

  @Field(() => String, { nullable: true, description: 'null: the dialogues that have no value for this key.' })
  value: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Half-open bin [from, to); the last bin is open-ended (to null).' })
export class HistogramBin {
  @Field(() => Float)
  from: number;

  @Field(() => Float, { nullable: true })
  to: number | null;

  @Field(() => Int)
  count: number;
}

@ObjectType({ simpleResolvers: true })
export class FieldDistribution {
  @Field({ description: 'utterancesPerDialogue, tokensPerUtterance, tokensPerDialogue, itemMentionsPerDialogue or dialoguesPerUser' })
  field: string;

  @Field(() => Int, { description: 'Observations.' })
  count: number;

  @Field(() => Float)
  min: number;

  @Field(() => Float)
  max: number;

  @Field(() => Float)
  mean: number;

  @Field(() => Float, { description: 'Linear interpolation between order statistics, as numpy.' })
  median: number;

  @Field(() => Float)
  p90: number;

  @Field(() => [HistogramBin])
  bins: HistogramBin[];
}

@ObjectType({ simpleResolvers: true, description: 'One row of corpus statistics (docs/metrics.md §4.1).' })
export class DatasetStatisticsRow {
  @Field(() => [StatisticsGroupValue], { description: 'Empty for the overall row.' })
  group: StatisticsGroupValue[];

  @Field(() => Int)
  dialogues: number;

  @Field(() => Int, { description: 'Non-empty utterances as stored (not merged).' })
  utterances: number;

  @Field(() => Float, { description: 'Total tokens.' })
  tokens: number;

  @Field(() => Float, { description: 'Utterances ÷ dialogues ("Avg. turns", DistillRecDial Table 1).' })
  avgTurns: number;

  @Field(() => Float)
  avgTokensPerUtterance: number;

  @Field(() => Int, { description: 'Distinct lower-cased tokens ("#Tokens").' })
  distinctTokens: number;

  @Field(() => Int, { description: 'Distinct lower-cased token 4-grams within utterances ("#4-Grams").' })
  distinctFourGrams: number;

  @Field(() => Int, { description: 'Distinct users with at least one dialogue.' })
  users: number;

  @Field(() => Int, { description: 'Distinct catalogue items referenced: targets, resolved mentions, named items, the users\' histories (unknown ids are not items).' })
  items: number;

  @Field(() => Int, { description: 'Catalogue items of the domains in this row.' })
  catalogueSize: number;

  @Field(() => Float, { nullable: true, description: 'null when no dialogue has a user.' })
  avgDialoguesPerUser: number | null;

  @Field(() => Float)
  avgUtterancesPerDialogue: number;

  @Field(() => [FieldDistribution])
  distributions: FieldDistribution[];
}

@ObjectType({ simpleResolvers: true, description: 'A value published in a paper (docs/metrics.md §4.2), for "ours vs published"; null where the paper gives none.' })
export class StatisticsReference {
  @Field({ description: 'Paper and table.' })
  source: string;

  @Field()
  dataset: string;

  @Field(() => Int, { nullable: true })
  dialogues?: number;

  @Field(() => Int, { nullable: true })
  utterances?: number;

  @Field(() => Float, { nullable: true })
  avgTurns?: number;

  @Field(() => Float, { nullable: true })
  avgTokensPerUtterance?: number;

  @Field(() => Int, { nullable: true })
  distinctTokens?: number;

  @Field(() => Int, { nullable: true })
  distinctFourGrams?: number;

  @Field(() => Int, { nullable: true })
  users?: number;

  @Field(() => Int, { nullable: true })
  items?: number;

  @Field(() => Float, { nullable: true })
  avgDialoguesPerUser?: number;

  @Field(() => Float, { nullable: true })
  avgUtterancesPerDialogue?: number;

  @Field(() => String, { nullable: true })
  note?: string;
}

@ObjectType({ simpleResolvers: true })
export class DatasetStatistics {
  @Field(() => StatisticsTokenizer)
  tokenizer: StatisticsTokenizer;

  @Field(() => [StatisticsGroup])
  groupBy: StatisticsGroup[];

  @Field({ description: 'How distinct 4-grams are counted.' })
  fourGramCounting: string;

  @Field(() => DatasetStatisticsRow)
  overall: DatasetStatisticsRow;

  @Field(() => [DatasetStatisticsRow], { description: 'One row per combination of the groupBy values present, in code-point order (nulls last).' })
  groups: DatasetStatisticsRow[];

  @Field(() => [StatisticsReference], { description: 'Published reference values; not computed by recdial.' })
  references: StatisticsReference[];

  @Field(() => Int)
  elapsedMs: number;
}

@ObjectType({ simpleResolvers: true })
export class TurnDiversity {
  @Field(() => Int, { description: '1-based turn position (utterances as stored, both roles).' })
  turn: number;

  @Field(() => Int, { description: 'Non-empty utterances at this position.' })
  population: number;

  @Field(() => Int, { description: 'Utterances compared (at most maxPerTurn, drawn with the keyed sub-stream "diversity", key t).' })
  sampled: number;

  @Field(() => Float, { nullable: true, description: 'S_t, the mean pairwise cosine similarity; null with fewer than two utterances.' })
  similarity: number | null;

  @Field(() => GraphQLJSONObject, { description: 'Token distinct-n of the sampled utterances: dist@k (distinct ÷ total k-grams) and dist_count@k (distinct ÷ utterances), k = 1…4.' })
  distinct: Record<string, number>;
}

@ObjectType({ simpleResolvers: true })
export class DiversityReference {
  @Field()
  source: string;

  @Field()
  dataset: string;

  @Field(() => Float)
  similarity: number;
}

@ObjectType({ simpleResolvers: true, description: 'Pairwise similarity by turn position (docs/metrics.md §5); lower is more diverse.' })
export class Diversity {
  @Field(() => DiversityMethod)
  method: DiversityMethod;

  @Field({ description: 'The embedding model, or the TF-IDF settings.' })
  model: string;

  @Field(() => Int)
  seed: number;

  @Field(() => Int)
  maxPerTurn: number;

  @Field(() => Int)
  maxTurn: number;

  @Field(() => Int, { description: 'Dialogues in scope.' })
  dialogues: number;

  @Field(() => Float, { nullable: true, description: 'Unweighted mean of the reported S_t.' })
  overall: number | null;

  @Field(() => [TurnDiversity])
  turns: TurnDiversity[];

  @Field(() => GraphQLJSONObject, { description: 'Distinct-n over every sampled utterance.' })
  distinct: Record<string, number>;

  @Field({ description: 'An SVG line chart of S_t by turn.' })
  svg: string;

  @Field(() => [DiversityReference], { description: 'Published values (DistillRecDial 0.422, PEARL 0.598), for EMBEDDINGS only: references, not targets. Empty for TFIDF, whose values are not comparable.' })
  references: DiversityReference[];

  @Field({ description: 'Whether and how S_t compares with the published values (TF-IDF: not comparable).' })
  comparability: string;

  @Field(() => Int)
  elapsedMs: number;
}
