import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../../pagination/global-id';
import { RowOf, selectList } from '../../db/columns';
import { JudgementEntity } from '../../db/schema/judge.entity';
import type { RubricVersionRecord } from '../../../generator';

export enum RubricScope {
  UTTERANCE = 'UTTERANCE',
  DIALOGUE = 'DIALOGUE',
}
registerEnumType(RubricScope, {
  name: 'RubricScope',
  valuesConfig: {
    UTTERANCE: { description: 'Every utterance is scored; the dialogue’s score per criterion is the mean over its utterances (LLM-REDIAL).' },
    DIALOGUE: { description: 'One score per criterion for the whole dialogue.' },
  },
});

export enum JudgementGroupBy {
  STEREOTYPE = 'STEREOTYPE',
  DATASET = 'DATASET',
  SOURCE = 'SOURCE',
}
registerEnumType(JudgementGroupBy, { name: 'JudgementGroupBy' });

export enum AgreementLevel {
  DIALOGUE = 'DIALOGUE',
  SOURCE = 'SOURCE',
}
registerEnumType(AgreementLevel, {
  name: 'AgreementLevel',
  valuesConfig: {
    DIALOGUE: { description: 'One point per rated and judged dialogue: the mean human score against the judge’s score.' },
    SOURCE: { description: 'One point per dataset/source (e.g. generated/TEACHER, redial/IMPORTED): the means over its dialogues.' },
  },
});

export enum PairwiseVerdict {
  A = 'A',
  B = 'B',
  TIE = 'TIE',
}
registerEnumType(PairwiseVerdict, { name: 'PairwiseVerdict' });

@ObjectType({ simpleResolvers: true })
export class RubricCriterion {
  @Field({ description: 'The key used in scores, filters and rating files, e.g. fluency.' })
  key: string;

  @Field()
  description: string;
}

@ObjectType({ simpleResolvers: true, description: 'A version of a judging rubric: version 0 is built in (LLM_REDIAL, DISTILLRECDIAL), 1, 2, … are stored with updateRubric; the latest is active.' })
export class Rubric {
  @Field()
  key: string;

  @Field(() => Int)
  version: number;

  @Field()
  title: string;

  @Field(() => RubricScope)
  scope: RubricScope;

  @Field(() => Int, { description: 'Lowest score of the integer scale.' })
  min: number;

  @Field(() => Int, { description: 'Highest score of the integer scale.' })
  max: number;

  @Field(() => [RubricCriterion])
  criteria: RubricCriterion[];

  @Field({ description: 'What the judge is told before the criteria and the answer format.' })
  instructions: string;

  @Field({ description: 'SHA-256 of the definition, recorded with every judgement.' })
  sha256: string;

  @Field()
  builtIn: boolean;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => String, { nullable: true })
  createdBy: string | null;

  @Field(() => Date, { nullable: true })
  createdAt: Date | null;
}

export function toRubric(r: RubricVersionRecord): Rubric {
  const d = r.definition;
  return Object.assign(new Rubric(), {
    key: r.key,
    version: r.version,
    title: d.title,
    scope: d.scope as RubricScope,
    min: d.min,
    max: d.max,
    criteria: d.criteria,
    instructions: d.instructions,
    sha256: r.sha256,
    builtIn: r.builtIn,
    note: r.note,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
  });
}

@ObjectType({ simpleResolvers: true })
export class CriterionScore {
  @Field()
  criterion: string;

  @Field(() => Float)
  score: number;
}

@ObjectType({ simpleResolvers: true })
export class UtteranceScores {
  @Field(() => Int, { description: '0-based position of the turn in the dialogue.' })
  turn: number;

  @Field(() => [CriterionScore])
  scores: CriterionScore[];
}

@ObjectType({ simpleResolvers: true, description: 'One judge’s scores of a dialogue on one rubric version.' })
export class Judgement {
  dbId: number;
  runId: number | null;
  dialogueId: number;

  @Field(() => ID)
  id: string;

  @Field({ description: 'The rubric key, e.g. LLM_REDIAL.' })
  rubric: string;

  @Field(() => Int)
  rubricVersion: number;

  @Field()
  rubricSha256: string;

  @Field({ description: 'The judge model requested.' })
  model: string;

  @Field({ description: 'SHA-256 of the messages sent (JSON).' })
  promptSha256: string;

  @Field(() => [CriterionScore], { description: 'Per criterion, the dialogue’s score (for utterance rubrics, the mean over its utterances).' })
  scores: CriterionScore[];

  @Field(() => [UtteranceScores], { nullable: true, description: 'Utterance rubrics: every utterance’s scores.' })
  utterances: UtteranceScores[] | null;

  @Field(() => String, { nullable: true })
  rationale: string | null;

  @Field()
  createdAt: Date;
}

const JUDGEMENT_PROPS = [
  'id',
  'dialogueId',
  'runId',
  'rubricKey',
  'rubricVersion',
  'rubricSha256',
  'model',
  'promptSha256',
  'scores',
  'utteranceScores',
  'rationale',
  'createdAt',
] as const;

export type JudgementRow = RowOf<JudgementEntity, (typeof JUDGEMENT_PROPS)[number]> & {
  /** The rubric's criteria in its own order (jsonb keeps object keys in its own order). */
  criteria_order: string[] | null;
};

/** Selected from `judgements j LEFT JOIN generation_runs r ON r.id = j.run_id`. */
export const JUDGEMENT_COLUMNS = `${selectList(JudgementEntity, 'j', JUDGEMENT_PROPS)},
  jsonb_path_query_array(r.config, '$.rubric.definition.criteria[*].key') AS criteria_order`;

export function toJudgement(r: JudgementRow): Judgement {
  const order = r.criteria_order ?? [];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const scoreList = (s: Record<string, number>) =>
    Object.entries(s)
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([criterion, score]) => ({ criterion, score }));
  return Object.assign(new Judgement(), {
    dbId: r.id,
    runId: r.run_id,
    dialogueId: r.dialogue_id,
    id: toGlobalId('Judgement', r.id),
    rubric: r.rubric_key,
    rubricVersion: r.rubric_version,
    rubricSha256: r.rubric_sha256,
    model: r.model,
    promptSha256: r.prompt_sha256,
    scores: scoreList(r.scores),
    utterances: r.utterance_scores?.map((u) => ({ turn: u.turn, scores: scoreList(u.scores) })) ?? null,
    rationale: r.rationale,
    createdAt: r.created_at,
  });
}

@ObjectType({ simpleResolvers: true, description: 'The judge’s scores of one criterion over one group of dialogues (each dialogue’s latest judgement on the rubric).' })
export class JudgementStatistic {
  @Field(() => String, { nullable: true, description: 'The stereotype key, dataset or source; null for dialogues without one (e.g. no stereotype).' })
  group: string | null;

  @Field()
  criterion: string;

  @Field(() => Int, { description: 'Judged dialogues.' })
  n: number;

  @Field(() => Float)
  mean: number;

  @Field(() => Float, { nullable: true, description: 'Standard error of the mean (sample SD / √n); null for n < 2.' })
  se: number | null;
}

@ObjectType({ simpleResolvers: true })
export class Interval {
  @Field(() => Float)
  low: number;

  @Field(() => Float)
  high: number;
}

@ObjectType({ simpleResolvers: true, description: 'How well the judge agrees with imported human ratings on one criterion.' })
export class JudgeAgreement {
  @Field()
  criterion: string;

  @Field(() => AgreementLevel)
  level: AgreementLevel;

  @Field(() => Int, { description: 'Points compared: dialogues (or sources) with both human ratings and a judgement.' })
  n: number;

  @Field(() => Float, { nullable: true, description: 'Spearman’s rho (average ranks for ties); null when undefined (n < 2 or a constant side).' })
  spearman: number | null;

  @Field(() => Interval, { nullable: true, description: 'Percentile bootstrap interval (resampling points with replacement, seeded).' })
  spearmanInterval: Interval | null;

  @Field(() => Float, { nullable: true, description: 'Kendall’s tau-b.' })
  kendall: number | null;

  @Field(() => Interval, { nullable: true })
  kendallInterval: Interval | null;
}

@ObjectType({ simpleResolvers: true, description: 'What was compared.' })
export class ComparisonEntry {
  @Field(() => Int)
  index: number;

  @Field()
  label: string;

  @Field(() => Int, { description: 'Dialogues the entry’s filter matched (pairs draw from them).' })
  candidates: number;
}

@ObjectType({ simpleResolvers: true, description: 'Win/tie/loss of entry A against entry B on one criterion, with Wilson 95 % intervals.' })
export class HeadToHead {
  @Field()
  a: string;

  @Field()
  b: string;

  @Field(() => Int)
  wins: number;

  @Field(() => Int)
  ties: number;

  @Field(() => Int)
  losses: number;

  @Field(() => Int, { description: 'Judged pairs: wins + ties + losses.' })
  n: number;

  @Field(() => Float, { nullable: true, description: 'wins / n.' })
  winRate: number | null;

  @Field(() => Interval, { nullable: true })
  winRateInterval: Interval | null;

  @Field(() => Float, { nullable: true, description: 'wins / (wins + losses): the preference for A among decided pairs (LLM-REDIAL’s 88 % is this).' })
  preference: number | null;

  @Field(() => Interval, { nullable: true })
  preferenceInterval: Interval | null;
}

@ObjectType({ simpleResolvers: true })
export class BradleyTerryScore {
  @Field()
  label: string;

  @Field(() => Float, { description: 'Strength p (they sum to 1; P(i beats j) = p_i / (p_i + p_j)); ties count half a win to each side.' })
  strength: number;
}

@ObjectType({ simpleResolvers: true })
export class CriterionComparison {
  @Field()
  criterion: string;

  @Field(() => [HeadToHead], { description: 'Every pair of entries that met, in entry order.' })
  headToHead: HeadToHead[];

  @Field(() => [BradleyTerryScore], { nullable: true, description: 'More than two entries: Bradley–Terry strengths, strongest first.' })
  bradleyTerry: BradleyTerryScore[] | null;
}

@ObjectType({ simpleResolvers: true, description: 'The result of a compareDatasets run, from the verdicts stored so far.' })
export class Comparison {
  runId: number;

  @Field(() => [ComparisonEntry])
  entries: ComparisonEntry[];

  @Field(() => Int, { description: 'Pairs drawn.' })
  pairs: number;

  @Field(() => Int, { description: 'Pairs the judge has answered.' })
  judged: number;

  @Field(() => Int)
  seed: number;

  @Field(() => [CriterionComparison])
  criteria: CriterionComparison[];
}
