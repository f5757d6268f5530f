import type OpenAI from 'openai';
import { keyedSeed } from '../../src/random/python-random';
import { sanitizeForPostgres, storable } from '../../src/text/unstorable';
import type { BuiltPrompt } from '../prompts/load';
import type { SamplingConfig } from '../run-config';
import type { ProcessedDialogue } from '../types';
import type { DialogueToStore, JobRow, RunRow } from './store';

/**
 * A generated dialogue's provenance (docs/pipeline.md §13): what was asked, of which model, with
 * which prompt and seed, and what came back, assembled from the run, the job, the prompt and the
 * model's answer. Pure: no database, queue or model. The job processor (job-processor.ts) calls
 * it between the model call and the store (store.ts);
 * test/unit/generator/worker/provenance.test.ts checks it.
 */

/** One request's sampling, named as the OpenAI-compatible API names it. */
export interface Sampling {
  temperature: number;
  top_p: number;
  max_tokens: number;
  seed: number;
}

/**
 * The sampling of the request for job `key`: the run's settings and the request's own seed, a
 * keyed sub-stream value of the run's base seed (docs/pipeline.md §12.3), so that a retried job
 * asks with the same seed.
 */
export function requestSampling(config: SamplingConfig, key: string): Sampling {
  const seed = keyedSeed(config.seed, 'request', key) % 2 ** 31;
  return { temperature: config.temperature, top_p: config.topP, max_tokens: config.maxTokens, seed };
}

/** The model's answer as it can be stored. */
export interface StorableAnswer {
  /** The answer as the model sent it. */
  raw: string;
  /** `raw` with what PostgreSQL cannot store (U+0000, lone surrogates) replaced by U+FFFD. */
  text: string;
  /** Each replaced character with its count; empty when nothing was replaced. */
  replaced: Record<string, number>;
  finishReason: string | null;
}

export function storableAnswer(completion: OpenAI.Chat.Completions.ChatCompletion): StorableAnswer {
  const choice = completion.choices[0];
  const raw = choice?.message?.content ?? '';
  const clean = sanitizeForPostgres(raw);
  return { raw, text: clean.text, replaced: clean.replaced, finishReason: storable(choice?.finish_reason ?? null) };
}

/** Rejects a dialogue whose answer held characters PostgreSQL cannot store. */
export function markGarbled(p: ProcessedDialogue, replaced: Record<string, number>): ProcessedDialogue {
  const detail = `the answer held ${Object.entries(replaced)
    .map(([c, n]) => `${n} × ${c}`)
    .join(', ')}, which PostgreSQL cannot store; replaced by U+FFFD (rawResponseEscaped has the original)`;
  const existing = p.issues.find((i) => i.code === 'GARBLED_TEXT' && i.severity === 'error');
  const issues = existing
    ? p.issues.map((i) => (i === existing ? { ...i, detail: `${i.detail}; ${detail}` } : i))
    : [...p.issues, { code: 'GARBLED_TEXT', severity: 'error' as const, detail }];
  return { ...p, status: 'REJECTED', issues };
}

/** What the processor knows once the model has answered and the answer is processed. */
export interface GeneratedParts {
  run: Pick<RunRow, 'id' | 'role' | 'strategy' | 'model' | 'endpoint' | 'servedModels'>;
  row: Pick<JobRow, 'id' | 'attempts'>;
  prompt: BuiltPrompt;
  sampling: Sampling;
  completion: OpenAI.Chat.Completions.ChatCompletion;
  answer: StorableAnswer;
  /** The parsed and validated answer (docs/pipeline.md §6.3–§8) and the catalogue domain of its items. */
  processed: ProcessedDialogue;
  domain: string;
  latencyMs: number;
  workerId: string;
}

/**
 * The dialogue to store, with its provenance. An answer that held characters PostgreSQL cannot
 * store is stored with them replaced and rejected, and the untouched answer is kept as a JSON
 * string literal (`rawResponseEscaped`).
 */
export function generatedDialogue(parts: GeneratedParts): DialogueToStore {
  const { run, row, prompt, sampling, completion, answer } = parts;
  const garbled = Object.keys(answer.replaced).length > 0;
  return {
    domain: parts.domain,
    source: run.role as DialogueToStore['source'],
    strategy: run.strategy,
    // The name we asked for: servers answer with their own spelling (`…@main`), kept as responseModel.
    model: run.model,
    stereotypeId: prompt.stereotypeId,
    targetItemId: prompt.targetItemId,
    targetAsin: prompt.targetAsin,
    processed: garbled ? markGarbled(parts.processed, answer.replaced) : parts.processed,
    provenance: {
      runId: run.id,
      jobId: row.id,
      role: run.role,
      model: run.model,
      responseModel: storable(completion.model ?? null),
      endpoint: run.endpoint,
      servedModels: run.servedModels,
      strategy: run.strategy,
      sampling: { temperature: sampling.temperature, topP: sampling.top_p, maxTokens: sampling.max_tokens },
      seed: sampling.seed,
      promptVersion: prompt.promptVersion,
      promptSha256: prompt.sha256,
      messages: prompt.messages,
      template: prompt.instance ? { id: prompt.instance.template.id, k: prompt.instance.k, bindings: prompt.instance.bindings } : null,
      rawResponse: answer.text,
      ...(garbled ? { rawResponseEscaped: JSON.stringify(answer.raw) } : {}),
      finishReason: answer.finishReason,
      usage: storable(completion.usage ?? null),
      latencyMs: parts.latencyMs,
      attempts: row.attempts,
      worker: parts.workerId,
    },
  };
}
