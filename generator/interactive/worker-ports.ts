/**
 * The worker's side of an INTERACTIVE job: loads what the seeker is told (persona, history,
 * target attributes), plays the conversation against the system under test with the simulator
 * endpoint's in-flight cap on every seeker call, and turns the result into a SIMULATED dialogue
 * with its provenance. processJob (job-processor.ts) applies the job's transitions around it.
 */
import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type { DataSource } from 'typeorm';
import { keyedSeed } from '../../src/random/python-random';
import { sanitizeForPostgres, storable } from '../../src/text/unstorable';
import { selectListAs } from '../../src/db/columns';
import { ItemEntity } from '../../src/db/schema/item.entity';
import { classifyModelError } from '../models/clients';
import { PromptInputError } from '../prompts/load';
import type { DialogueMention, ProcessedDialogue, StereotypeFeatures, ValidationIssue } from '../types';
import { ConversationFailure, ConversationHeld } from '../worker/job-processor';
import type { DialogueToStore, JobRow, RunRow } from '../worker/store';
import { converse } from './conversation';
import { Catalogue, locateTitle, readRecommendations } from './recommended';
import { SEEKER_PROMPT_VERSION, seekerSystemPrompt, type SeekerBrief } from './seeker';
import { createSystemClient, CRS_SYSTEM_PROMPT, describeSystem, SystemError, type SystemCall } from './system-client';

export interface ConversePorts {
  dataSource: DataSource;
  client: OpenAI;
  workerId: string;
  slot<T>(fn: () => Promise<T>): Promise<T>;
  endpointDown(): boolean;
  reportUnreachable(): void;
}

/** What the seeker is told of an item (src/db/columns.ts derives the list from the entity). */
const TARGET_PROPS = ['id', 'asin', 'title', 'cleanedTitle', 'genres', 'keywords', 'cast', 'directors', 'overview'] as const;
const TARGET_COLUMNS = selectListAs(ItemEntity, 'i', TARGET_PROPS);
type TargetRow = Pick<ItemEntity, (typeof TARGET_PROPS)[number]> & { rating: number | null };

/** What the seeker of one user is told; PromptInputError when the user cannot be simulated. */
export async function loadSeekerBrief(dataSource: DataSource, userId: number, stereotypeId: number | null): Promise<{ brief: SeekerBrief; target: TargetRow; domain: string }> {
  const [profile]: Array<{ targetItemId: number | null; historyItemIds: number[]; domain: string }> = await dataSource.query(
    `SELECT p.target_item_id AS "targetItemId", p.history_item_ids AS "historyItemIds", u.domain
       FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1 AND p.strategy = 'STEREOTYPE'`,
    [userId],
  );
  if (!profile) throw new PromptInputError('NOT_PREPARED', 'the user has no prepared profile: run `recdial prepare` first');
  if (profile.targetItemId === null) throw new PromptInputError('NO_TARGET', 'the user has no target item');
  const [stereotype]: Array<{ key: string; features: StereotypeFeatures }> =
    stereotypeId === null ? [] : await dataSource.query('SELECT key, features FROM stereotypes WHERE id = $1', [stereotypeId]);
  const rows: TargetRow[] = await dataSource.query(
    `SELECT ${TARGET_COLUMNS}, x.rating
       FROM items i LEFT JOIN interactions x ON x.item_id = i.id AND x.user_id = $1 WHERE i.id = ANY($2)`,
    [userId, [...profile.historyItemIds, profile.targetItemId]],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const target = byId.get(profile.targetItemId);
  if (!target) throw new PromptInputError('NO_TARGET', 'the target item is no longer in the catalogue');
  const history = profile.historyItemIds
    .map((id) => byId.get(id))
    .filter((r): r is TargetRow => r !== undefined)
    .map((r) => ({ title: r.cleanedTitle || r.title, rating: r.rating ?? 0 }));
  return {
    brief: {
      stereotypeKey: stereotype?.key ?? null,
      features: stereotype?.features ?? null,
      history,
      target: { title: target.cleanedTitle || target.title, genres: target.genres, keywords: target.keywords, cast: target.cast, directors: target.directors, overview: target.overview },
    },
    target,
    domain: profile.domain,
  };
}

export function makeConverse(ports: ConversePorts): (run: RunRow, row: JobRow) => Promise<{ dialogue: DialogueToStore; latencyMs: number }> {
  const catalogues = new Map<string, Promise<Catalogue>>();
  const catalogue = (domain: string) => {
    let c = catalogues.get(domain);
    if (!c) {
      c = ports.dataSource
        .query(`SELECT id, asin, COALESCE(NULLIF(cleaned_title, ''), title) AS title FROM items WHERE domain = $1 ORDER BY id`, [domain])
        .then((rows: Array<{ id: number; asin: string; title: string }>) => new Catalogue(rows));
      catalogues.set(domain, c);
      // Only successes are kept: a failed load (PostgreSQL restarting) is tried again by the next job.
      c.catch(() => catalogues.delete(domain));
    }
    return c;
  };
  const systems = new Map<number, SystemCall>();

  return async (run, row) => {
    const config = run.config.interactive;
    if (!config) throw new Error(`run ${run.id} has no interactive configuration`);
    if (row.userId === null) throw new PromptInputError('NOT_PREPARED', 'the user of this job was deleted');
    const { brief, target, domain } = await loadSeekerBrief(ports.dataSource, row.userId, row.stereotypeId);
    const items = await catalogue(domain);
    if (systems.size > 100) systems.clear();
    let system = systems.get(run.id);
    if (!system) systems.set(run.id, (system = createSystemClient(config.system, config.systemTimeoutMs)));
    const seekerSystem = seekerSystemPrompt(brief);
    const sampling = run.config.sampling;
    const seed = (purpose: string) => keyedSeed(sampling.seed, 'seeker', `${row.key}:${purpose}`) % 2 ** 31;
    let responseModel: string | null = null;
    const started = performance.now();

    const result = await converse(
      {
        async seeker(messages, purpose) {
          if (ports.endpointDown()) throw new ConversationHeld();
          let t0 = performance.now();
          const completion = await ports.slot(async () => {
            if (ports.endpointDown()) throw new ConversationHeld();
            t0 = performance.now();
            try {
              return await ports.client.chat.completions.create({ model: run.model, messages, temperature: sampling.temperature, top_p: sampling.topP, max_tokens: sampling.maxTokens, seed: seed(purpose) });
            } catch (error) {
              const c = classifyModelError(error);
              if (c.unreachable) ports.reportUnreachable();
              throw new ConversationFailure(c, Math.round(performance.now() - t0));
            }
          });
          const latencyMs = Math.round(performance.now() - t0);
          const content = completion.choices?.[0]?.message?.content;
          if (typeof content !== 'string' || content.trim() === '') {
            throw new ConversationFailure({ outcome: 'BAD_RESPONSE', retryable: true, httpStatus: 200, message: 'the seeker answered with no text' }, latencyMs);
          }
          responseModel ??= storable(completion.model ?? null);
          return { text: sanitizeForPostgres(content).text, model: completion.model ?? null, usage: storable(completion.usage ?? null), latencyMs };
        },
        async system(context, message, round) {
          try {
            const reply = await system!(context, message, keyedSeed(sampling.seed, 'system', `${row.key}:${round}`) % 2 ** 31);
            return { ...reply, text: sanitizeForPostgres(reply.text).text };
          } catch (error) {
            if (error instanceof SystemError) throw new ConversationFailure(error.error, null);
            throw error;
          }
        },
        recommend: (reply) => readRecommendations(reply, items),
      },
      { seekerSystem, targetTitle: brief.target.title, targetItemId: target.id, maxRounds: config.maxRounds, k: config.k, keepTitles: brief.history.map((h) => h.title) },
    );
    const latencyMs = Math.round(performance.now() - started);

    // Recommendations become mentions where their title can be found in the reply.
    const mentions: DialogueMention[] = [];
    const named: string[] = [];
    for (const r of result.rounds) {
      const turn = 2 * (r.round - 1) + 1;
      const text = result.turns[turn].text;
      for (const itemId of r.recommended) {
        const item = items.byId.get(itemId)!;
        const first = !named.includes(item.asin);
        if (first) named.push(item.asin);
        const at = locateTitle(text, item.title);
        if (at) mentions.push({ turn, asin: item.asin, itemId, rawId: item.asin, start: at.start, end: at.end, isRecommendation: true, isFirstMention: first });
      }
    }
    const issues: ValidationIssue[] = [];
    if (result.leaks.length) {
      issues.push({
        code: 'SEEKER_TITLE_LEAK',
        severity: 'warning',
        detail: `${result.leaks.length} seeker utterance(s) named the target (rounds ${result.leaks.map((l) => l.round).join(', ')}); the title was redacted before the system saw it`,
      });
    }
    if (result.outcome.successRound === null) issues.push({ code: 'TARGET_NOT_FOUND', severity: 'warning', detail: `the system did not recommend the target within ${config.maxRounds} rounds` });
    const processed: ProcessedDialogue = {
      status: 'ACCEPTED',
      turns: result.turns.map((t) => ({ role: t.role, text: t.text, rawText: null })),
      mentions,
      unresolvedItemIds: [],
      issues,
      namedAsins: named,
      // Keyed by the job: two users' identical conversations are both evaluation records, never duplicates.
      contentHash: createHash('sha256').update(`${row.key}\u0000${result.turns.map((t) => `${t.role}:${t.text}`).join('\n')}`).digest('hex'),
    };
    const lastListAsins = result.outcome.lastList.map((id) => items.byId.get(id)!.asin);
    const dialogue: DialogueToStore = {
      domain,
      dataset: config.dataset,
      source: 'SIMULATED',
      strategy: 'STEREOTYPE',
      model: run.model,
      stereotypeId: row.stereotypeId,
      targetItemId: target.id,
      targetAsin: target.asin,
      processed,
      provenance: {
        runId: run.id,
        jobId: row.id,
        kind: 'INTERACTIVE',
        evaluationId: config.evaluationId,
        role: run.role,
        model: run.model,
        responseModel,
        endpoint: run.endpoint,
        servedModels: run.servedModels,
        // The generation provenance's fields, read for a conversation: the seeker's sampling, system
        // prompt and version, and its utterances as the model wrote them (leaks included), one per line.
        sampling: { temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens },
        promptVersion: SEEKER_PROMPT_VERSION,
        promptSha256: createHash('sha256').update(seekerSystem).digest('hex'),
        messages: [{ role: 'system', content: seekerSystem }],
        rawResponse: result.rawSeeker.join('\n'),
        finishReason: null,
        seeker: {
          model: run.model,
          responseModel,
          endpoint: run.endpoint,
          sampling: { temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens },
          seed: sampling.seed,
          promptVersion: SEEKER_PROMPT_VERSION,
          systemPrompt: seekerSystem,
          systemPromptSha256: createHash('sha256').update(seekerSystem).digest('hex'),
        },
        system: {
          ...describeSystem(config.system),
          responseModel: storable(result.systemModel),
          ...(config.system.kind === 'openai' ? { systemPrompt: CRS_SYSTEM_PROMPT } : {}),
          timeoutMs: config.systemTimeoutMs,
        },
        seed: sampling.seed,
        rounds: result.rounds.map((r) => ({ ...r, recommended: r.recommended.map((id) => items.byId.get(id)!.asin) })),
        leaks: result.leaks,
        interactive: { ...result.outcome, lastList: lastListAsins, targetAsin: target.asin },
        usage: result.usage,
        latencyMs,
        attempts: row.attempts,
        worker: ports.workerId,
      },
    };
    return { dialogue, latencyMs };
  };
}
