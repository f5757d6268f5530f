import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.type';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';
import { RowOf, selectList } from '../../db/columns';
import { GenerationRunEntity } from '../../db/schema/generation.entity';

import { GenerationStrategy, ModelRole, RunKind, RunStatus, UnknownItemPolicy } from '../../dialogues/vocabulary';

/** Defined once in src/dialogues/vocabulary.ts; registered as schema enums here. */
export { GenerationStrategy, ModelRole, RunKind, RunStatus, UnknownItemPolicy };
registerEnumType(ModelRole, {
  name: 'ModelRole',
  description: 'Which configured model endpoint works: the large TEACHER or the fine-tuned STUDENT write dialogues; the JUDGE scores and compares them (judgeDialogues, compareDatasets); SIMULATOR plays the seeker of interactive evaluations.',
});
registerEnumType(GenerationStrategy, {
  name: 'GenerationStrategy',
  description: 'STEREOTYPE (DistillRecDial) or GOAL_TEMPLATE (LLM-REDIAL); JUDGE and COMPARE mark judge runs and cannot be asked of enqueueGeneration.',
});
registerEnumType(RunStatus, { name: 'RunStatus' });
registerEnumType(RunKind, { name: 'RunKind', description: 'GENERATE and REGENERATE write dialogues; JUDGE (judgeDialogues) stores judgements, COMPARE (compareDatasets) pairwise verdicts.' });
registerEnumType(UnknownItemPolicy, { name: 'UnknownItemPolicy', description: 'What happens to <id_…> tags that name no catalogue item (docs/pipeline.md §8.2).' });

@ObjectType({ simpleResolvers: true })
export class Sampling {
  @Field(() => Float)
  temperature: number;

  @Field(() => Float)
  topP: number;

  @Field(() => Int)
  maxTokens: number;

  @Field(() => Int, { nullable: true, description: 'The base seed of a run (each request gets a keyed sub-seed), or the request seed of one dialogue.' })
  seed: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'One message as the model receives it.' })
export class PromptMessage {
  @Field({ description: 'system, user or assistant' })
  role: string;

  @Field()
  content: string;
}

@ObjectType({ simpleResolvers: true })
export class TokenUsage {
  @Field(() => Int, { nullable: true })
  promptTokens: number | null;

  @Field(() => Int, { nullable: true })
  completionTokens: number | null;

  @Field(() => Int, { nullable: true })
  totalTokens: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Counts of a run’s dialogues and jobs; they add up to `requested`.' })
export class RunCounts {
  @Field(() => Int)
  accepted: number;

  @Field(() => Int)
  rejected: number;

  @Field(() => Int, { description: 'Dialogues of this run that a later regeneration replaced.' })
  superseded: number;

  @Field(() => Int, { description: 'Jobs whose last attempt failed (they are in the dead-letter queue).' })
  failed: number;

  @Field(() => Int, { description: 'Jobs with nothing to generate from (e.g. no template fits the user’s data).' })
  skipped: number;

  @Field(() => Int)
  cancelled: number;

  @Field(() => Int, { description: 'Jobs queued, waiting for a retry, or running.' })
  pending: number;

  @Field(() => Int)
  running: number;

  @Field(() => Int, { description: 'JUDGE and COMPARE runs: jobs whose judgement or verdict is stored.' })
  judged: number;
}

@ObjectType({ simpleResolvers: true })
export class RejectionCount {
  @Field()
  code: string;

  @Field(() => String, { nullable: true, description: 'Stereotype key; null for the goal-template strategy.' })
  stereotype: string | null;

  @Field(() => Int)
  count: number;
}

@ObjectType({ simpleResolvers: true, description: 'A failed attempt of one job.' })
export class JobError {
  userId: number | null;

  @Field(() => Int)
  jobId: number;

  @Field(() => Int)
  attempt: number;

  @Field({
    description:
      'TIMEOUT, CONNECTION, RATE_LIMITED, SERVER_ERROR, CLIENT_ERROR, BAD_RESPONSE (the model); STORE_ERROR, WORKER_ERROR (our side, e.g. PostgreSQL restarting); EXPIRED (the attempt never reported back: worker killed); or a prompt problem such as NO_TEMPLATE',
  })
  code: string;

  @Field(() => Int, { nullable: true })
  httpStatus: number | null;

  @Field(() => String, { nullable: true, description: 'The cause: an HTTP error with the start of the server’s body, a network error with its code and address (connect ECONNREFUSED 10.0.0.5:8000), a database error with its SQLSTATE.' })
  message: string | null;

  @Field({ description: 'Whether another attempt was scheduled after this one.' })
  retried: boolean;

  @Field()
  at: Date;
}

@ObjectType({ simpleResolvers: true, description: 'What retryFailedJobs requeued.' })
export class RetryFailedJobsPayload {
  @Field(() => Int, { description: 'Jobs queued again (each gets a new set of attempts).' })
  requeued: number;

  @Field(() => [GenerationRun], { description: 'The runs they belong to, RUNNING again until they settle.' })
  runs: GenerationRun[];
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'One enqueueGeneration or regenerateDialogues call and its progress.' })
export class GenerationRun extends Node {
  dbId: number;
  configValue: Record<string, unknown>;

  @Field(() => ID)
  declare id: string;

  @Field(() => RunStatus)
  status: RunStatus;

  @Field(() => RunKind)
  kind: RunKind;

  @Field(() => ModelRole)
  role: ModelRole;

  @Field(() => GenerationStrategy)
  strategy: GenerationStrategy;

  @Field({ description: 'The model (or LoRA adapter) name requested from the endpoint.' })
  model: string;

  @Field({ description: 'Base URL of the endpoint, without credentials.' })
  endpoint: string;

  @Field(() => [String], { description: 'What the endpoint’s /v1/models listed when the run was created.' })
  servedModels: string[];

  @Field(() => Int)
  requested: number;

  @Field(() => Int)
  priority: number;

  @Field(() => String, { nullable: true })
  reason: string | null;

  @Field(() => String, { nullable: true, description: 'The API key that created the run.' })
  createdBy: string | null;

  @Field({ description: 'SHA-256 of the resolved configuration (prompts by hash).' })
  configHash: string;

  @Field(() => GraphQLJSONObject, { description: 'The resolved configuration: selection, sampling, validation and prompt options, prompt versions.' })
  get config(): Record<string, unknown> {
    const { prompts, ...rest } = this.configValue as { prompts?: Record<string, { version: number; sha256: string }> };
    return { ...rest, prompts: Object.fromEntries(Object.entries(prompts ?? {}).map(([k, v]) => [k, { version: v.version, sha256: v.sha256 }])) };
  }

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'STUDENT runs: the adapter metadata given with enqueueGeneration (e.g. adapter_meta.json).' })
  get adapter(): Record<string, unknown> | null {
    return (this.configValue.adapter as Record<string, unknown> | undefined) ?? null;
  }

  @Field(() => Sampling)
  get sampling(): Sampling {
    const s = (this.configValue.sampling ?? {}) as Sampling;
    return { temperature: s.temperature, topP: s.topP, maxTokens: s.maxTokens, seed: s.seed ?? null };
  }

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;
}

@ObjectType()
export class GenerationRunConnection extends Connection(GenerationRun, 'GenerationRun') {}

const RUN_PROPS = [
  'id',
  'status',
  'kind',
  'role',
  'strategy',
  'model',
  'endpoint',
  'servedModels',
  'config',
  'configHash',
  'requested',
  'priority',
  'reason',
  'createdBy',
  'createdAt',
  'startedAt',
  'finishedAt',
] as const;

/** The entity's text unions, as the schema's enums (the same strings). */
export type GenerationRunRow = RowOf<GenerationRunEntity, (typeof RUN_PROPS)[number], { kind: RunKind; role: ModelRole; strategy: GenerationStrategy }>;

export const RUN_COLUMNS = selectList(GenerationRunEntity, 'r', RUN_PROPS);

export function toGenerationRun(row: GenerationRunRow): GenerationRun {
  return Object.assign(new GenerationRun(), {
    dbId: row.id,
    id: toGlobalId('GenerationRun', row.id),
    configValue: row.config,
    status: row.status as RunStatus,
    kind: row.kind,
    role: row.role,
    strategy: row.strategy,
    model: row.model,
    endpoint: row.endpoint,
    servedModels: row.served_models,
    requested: row.requested,
    priority: row.priority,
    reason: row.reason,
    createdBy: row.created_by,
    configHash: row.config_hash,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  });
}

export enum TitleRewriteMethod {
  EXACT = 'exact',
  CLEANED = 'cleaned',
  QUOTED = 'quoted',
  TAG_REPAIR = 'tag-repair',
  FUZZY = 'fuzzy',
}
registerEnumType(TitleRewriteMethod, {
  name: 'TitleRewriteMethod',
  description: 'How the title normaliser found a rewrite (docs/pipeline.md §6.4).',
  valuesConfig: {
    EXACT: { description: 'The item’s TMDB title.' },
    CLEANED: { description: 'The item’s cleaned title.' },
    QUOTED: { description: 'A title in quotes or markdown emphasis (the only way titles under 4 characters match).' },
    TAG_REPAIR: { description: 'A broken tag form such as <ID_X>, [id_X] or <X>.' },
    FUZZY: { description: 'Token-level matching of a title of 3+ words (titleMatching: fuzzy).' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'One rewrite of the title normaliser: a title or broken tag in the model’s answer replaced by the item’s tag.' })
export class TitleRewrite {
  @Field(() => Int, { description: 'UTF-16 offset into rawResponse where the replaced text starts.' })
  start: number;

  @Field(() => Int, { description: 'UTF-16 offset into rawResponse where it ends (exclusive).' })
  end: number;

  @Field({ description: 'The replaced text: rawResponse from start to end.' })
  before: string;

  @Field({ description: 'The tag written instead, <id_ASIN>.' })
  after: string;

  @Field({ description: 'The item’s parent_asin.' })
  asin: string;

  @Field(() => TitleRewriteMethod)
  method: TitleRewriteMethod;
}

@ObjectType({ simpleResolvers: true, description: 'How a generated dialogue came to be (docs/pipeline.md §13).' })
export class GenerationProvenance {
  runId: number;

  @Field(() => ModelRole)
  role: ModelRole;

  @Field({ description: 'The model name requested.' })
  model: string;

  @Field(() => String, { nullable: true, description: 'The model name the server put in its response.' })
  responseModel: string | null;

  @Field()
  endpoint: string;

  @Field(() => Sampling)
  sampling: Sampling;

  @Field(() => Int, { nullable: true, description: 'The request’s seed: a keyed sub-stream value of the run’s base seed (docs/pipeline.md §12.3).' })
  seed: number | null;

  @Field(() => Int, { description: 'Version of the system prompt (stereotype) or instructions (goal template); 0 = built-in.' })
  promptVersion: number;

  @Field({ description: 'SHA-256 of the rendered prompt string.' })
  promptSha256: string;

  @Field(() => [PromptMessage], { description: 'The messages exactly as sent.' })
  messages: PromptMessage[];

  @Field(() => String, { nullable: true, description: 'Goal-template strategy: the template id.' })
  templateId: string | null;

  @Field({ description: 'The model’s answer, untouched, except that characters PostgreSQL cannot store (U+0000, lone surrogates) are replaced by U+FFFD (offsets unchanged).' })
  rawResponse: string;

  @Field(() => String, {
    nullable: true,
    description: 'Only when the answer held characters PostgreSQL cannot store (the dialogue is then REJECTED with GARBLED_TEXT): the answer byte for byte, as a JSON string literal (JSON.parse gives it back).',
  })
  rawResponseEscaped: string | null;

  @Field(() => String, { nullable: true })
  finishReason: string | null;

  @Field(() => TokenUsage, { nullable: true })
  usage: TokenUsage | null;

  @Field(() => Int)
  latencyMs: number;

  @Field(() => Int, { description: 'Which attempt produced it (1 = first try).' })
  attempts: number;

  @Field(() => [TitleRewrite], { description: 'Titles and broken tags rewritten to tags before parsing, in rawResponse order (docs/pipeline.md §6.4).' })
  titleRewrites: TitleRewrite[];

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'SIMULATED dialogues (interactive evaluation): seeker (model, endpoint, sampling, system prompt, version), system (kind, endpoint, model), rounds (latencies, recommended ASINs, how they were read), leaks (utterances that named the target: original and redacted) and outcome (successRound, recallAtK, lastList, rounds, leakedUtterances). null otherwise.',
  })
  interactive: Record<string, unknown> | null;
}

/** Provenance as the worker stores it (dialogues.provenance); null for imported dialogues. */
export function toProvenance(p: Record<string, any> | null | undefined): GenerationProvenance | null {
  if (!p || typeof p.runId !== 'number') return null;
  const usage = p.usage as Record<string, number> | null;
  return Object.assign(new GenerationProvenance(), {
    runId: p.runId,
    role: p.role,
    model: p.model,
    responseModel: p.responseModel ?? null,
    endpoint: p.endpoint,
    sampling: { ...p.sampling, seed: p.seed ?? null },
    seed: p.seed ?? null,
    promptVersion: p.promptVersion,
    promptSha256: p.promptSha256,
    messages: p.messages,
    templateId: p.template?.id ?? null,
    rawResponse: p.rawResponse,
    rawResponseEscaped: p.rawResponseEscaped ?? null,
    finishReason: p.finishReason ?? null,
    usage: usage ? { promptTokens: usage.prompt_tokens ?? null, completionTokens: usage.completion_tokens ?? null, totalTokens: usage.total_tokens ?? null } : null,
    latencyMs: p.latencyMs,
    attempts: p.attempts,
    interactive: p.kind === 'INTERACTIVE' ? { seeker: p.seeker, system: p.system, rounds: p.rounds, leaks: p.leaks, outcome: p.interactive } : null,
    titleRewrites: ((p.titleRewrites ?? []) as Array<Record<string, any>>).map((r) => ({
      start: r.start,
      end: r.end,
      before: r.before,
      after: r.after,
      asin: r.itemId,
      method: r.method,
    })),
  });
}

@ObjectType({ simpleResolvers: true, description: 'Exactly what a model would receive for a user (docs/pipeline.md §4).' })
export class Prompt {
  stereotypeId: number | null;
  targetItemId: number | null;
  promptAsins: string[];

  @Field(() => GenerationStrategy)
  strategy: GenerationStrategy;

  @Field(() => [PromptMessage])
  messages: PromptMessage[];

  @Field({ description: 'The Llama-3 chat-template rendering with the generation prompt (the prompts file’s `text`).' })
  rendered: string;

  @Field({ description: 'SHA-256 of `rendered`.' })
  sha256: string;

  @Field(() => Int, { description: 'Version of the system prompt or instructions used; 0 = built-in.' })
  promptVersion: number;

  @Field(() => String, { nullable: true, description: 'Goal-template strategy: the template chosen for this instance.' })
  templateId: string | null;

  @Field(() => Int, { nullable: true, description: 'Goal-template strategy: which might-like item (1-based) the dialogue is about.' })
  instance: number | null;
}
