/**
 * One simulated conversation (issue 15 §5): each round the seeker speaks and the system answers;
 * it stops when the system recommends the target (the seeker then accepts) or after `maxRounds`.
 * The model calls are ports, so the loop is tested without a network.
 */
import type { ChatMessage } from '../types';
import { redactTitle } from './leak';
import { seekerMessages, type Utterance } from './seeker';
import type { SystemReply } from './system-client';

export interface ConversationPorts {
  /** One seeker utterance for these messages; `purpose` keys its seed. */
  seeker(messages: ChatMessage[], purpose: string): Promise<{ text: string; model: string | null; usage: unknown; latencyMs: number }>;
  system(context: readonly Utterance[], message: string, round: number): Promise<SystemReply>;
  /** Item ids recommended by a reply, in order. */
  recommend(reply: SystemReply): { itemIds: number[]; by: 'ids' | 'titles'; unknownIds: string[] };
}

export interface Leak {
  round: number;
  original: string;
  redacted: string;
  distances: number[];
}

export interface RoundRecord {
  round: number;
  seekerLatencyMs: number;
  systemLatencyMs: number;
  recommended: number[];
  readBy: 'ids' | 'titles';
  unknownIds: string[];
}

/** What each simulated dialogue stores as `provenance.interactive` (and the evaluation aggregates). */
export interface ConversationOutcome {
  rounds: number;
  maxRounds: number;
  k: number;
  /** The first round whose reply recommended the target; null: never. */
  successRound: number | null;
  /** The last non-empty list of the conversation (item ids), and whether its top k hold the target. */
  lastList: number[];
  recallAtK: 0 | 1;
  seekerUtterances: number;
  leakedUtterances: number;
}

export interface ConversationResult {
  turns: Utterance[];
  outcome: ConversationOutcome;
  rounds: RoundRecord[];
  leaks: Leak[];
  seekerModel: string | null;
  systemModel: string | null;
  usage: unknown[];
  /** The seeker's utterances exactly as the model wrote them (before redaction). */
  rawSeeker: string[];
}

export async function converse(
  ports: ConversationPorts,
  /** `keepTitles`: titles the seeker may name although they resemble the target's (its history). */
  options: { seekerSystem: string; targetTitle: string; targetItemId: number; maxRounds: number; k: number; keepTitles?: readonly string[] },
): Promise<ConversationResult> {
  const turns: Utterance[] = [];
  const rounds: RoundRecord[] = [];
  const leaks: Leak[] = [];
  const usage: unknown[] = [];
  const rawSeeker: string[] = [];
  let successRound: number | null = null;
  let lastList: number[] = [];
  let seekerModel: string | null = null;
  let systemModel: string | null = null;
  let leakedUtterances = 0;
  let seekerUtterances = 0;
  for (let round = 1; round <= options.maxRounds; round++) {
    const said = await ports.seeker(seekerMessages(options.seekerSystem, turns), `round:${round}`);
    seekerModel ??= said.model;
    usage.push(said.usage ?? null);
    rawSeeker.push(said.text);
    seekerUtterances++;
    const redacted = redactTitle(said.text.trim(), options.targetTitle, undefined, { keep: options.keepTitles });
    if (redacted.found > 0) {
      leakedUtterances++;
      leaks.push({ round, original: said.text, redacted: redacted.text, distances: redacted.distances });
    }
    const context = [...turns];
    turns.push({ role: 'USER', text: redacted.text });
    const reply = await ports.system(context, redacted.text, round);
    systemModel ??= reply.model;
    turns.push({ role: 'ASSISTANT', text: reply.text });
    const read = ports.recommend(reply);
    rounds.push({ round, seekerLatencyMs: said.latencyMs, systemLatencyMs: reply.latencyMs, recommended: read.itemIds, readBy: read.by, unknownIds: read.unknownIds });
    if (read.itemIds.length > 0) lastList = read.itemIds;
    if (read.itemIds.includes(options.targetItemId)) {
      successRound = round;
      // The system named the target, so the seeker repeating it is no leak: not redacted.
      const accept = await ports.seeker(seekerMessages(options.seekerSystem, turns, true), 'accept');
      usage.push(accept.usage ?? null);
      rawSeeker.push(accept.text);
      turns.push({ role: 'USER', text: accept.text.trim() });
      break;
    }
  }
  const recallAtK = lastList.slice(0, options.k).includes(options.targetItemId) ? 1 : 0;
  return {
    turns,
    rounds,
    leaks,
    usage,
    rawSeeker,
    seekerModel,
    systemModel,
    outcome: { rounds: rounds.length, maxRounds: options.maxRounds, k: options.k, successRound, lastList, recallAtK, seekerUtterances, leakedUtterances },
  };
}
