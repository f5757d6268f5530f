/**
 * The results of an interactive evaluation: per stereotype and overall, each metric with its
 * mean, standard error and 95 % interval over conversations. Rates (success, success@r,
 * recall@k, leaked conversations) get the Wilson score interval, which stays inside [0, 1] and
 * behaves at 0 and 1 and for small n; means (rounds, leak rate) the normal interval.
 */
import { summarize, wilsonInterval } from '../../src/stats/intervals';
import type { ConversationOutcome } from './conversation';

export interface Estimate {
  mean: number | null;
  standardError: number | null;
  low: number | null;
  high: number | null;
  /** Conversations the metric is computed over. */
  n: number;
}

export interface InteractiveRow {
  /** null: every stereotype. */
  stereotype: string | null;
  conversations: number;
  metrics: Record<string, Estimate>;
}

export function proportion(successes: number, n: number): Estimate {
  const interval = wilsonInterval(successes, n);
  if (!interval) return { mean: null, standardError: null, low: null, high: null, n };
  const p = successes / n;
  return { mean: p, standardError: Math.sqrt((p * (1 - p)) / n), low: interval.low, high: interval.high, n };
}

export function mean(values: readonly number[]): Estimate {
  const n = values.length;
  if (n === 0) return { mean: null, standardError: null, low: null, high: null, n };
  const s = summarize(values);
  return { mean: s.mean, standardError: s.se, low: s.ciLow, high: s.ciHigh, n };
}

export function aggregateOutcomes(outcomes: readonly ConversationOutcome[], options: { maxRounds: number; k: number }): Record<string, Estimate> {
  const n = outcomes.length;
  const metrics: Record<string, Estimate> = {};
  metrics.success = proportion(outcomes.filter((o) => o.successRound !== null).length, n);
  for (let r = 1; r <= options.maxRounds; r++) {
    metrics[`success@${r}`] = proportion(outcomes.filter((o) => o.successRound !== null && o.successRound <= r).length, n);
  }
  metrics[`recall@${options.k}`] = proportion(outcomes.filter((o) => o.recallAtK === 1).length, n);
  metrics.rounds = mean(outcomes.map((o) => o.rounds));
  metrics.rounds_to_success = mean(outcomes.filter((o) => o.successRound !== null).map((o) => o.successRound!));
  metrics.leak_rate = mean(outcomes.map((o) => (o.seekerUtterances > 0 ? o.leakedUtterances / o.seekerUtterances : 0)));
  metrics.leaked_conversations = proportion(outcomes.filter((o) => o.leakedUtterances > 0).length, n);
  return metrics;
}

/** One overall row, then one per stereotype (in the given order). */
export function interactiveRows(
  conversations: ReadonlyArray<{ stereotype: string | null; outcome: ConversationOutcome }>,
  options: { maxRounds: number; k: number; stereotypeOrder?: readonly string[] },
): InteractiveRow[] {
  const rows: InteractiveRow[] = [{ stereotype: null, conversations: conversations.length, metrics: aggregateOutcomes(conversations.map((c) => c.outcome), options) }];
  const keys = [...new Set(conversations.map((c) => c.stereotype).filter((s): s is string => s !== null))];
  const order = options.stereotypeOrder ?? [];
  keys.sort((a, b) => (order.indexOf(a) + 1 || Infinity) - (order.indexOf(b) + 1 || Infinity) || a.localeCompare(b));
  for (const key of keys) {
    const mine = conversations.filter((c) => c.stereotype === key).map((c) => c.outcome);
    rows.push({ stereotype: key, conversations: mine.length, metrics: aggregateOutcomes(mine, options) });
  }
  return rows;
}
