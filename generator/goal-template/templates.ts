/**
 * Dialogue templates of the goal-template strategy (docs/pipeline.md §11.3): validation, loading and
 * recdial's shipped library (`templates.json`). The original 168 templates were never published,
 * so the library is recdial's own.
 */
import { createHash } from 'node:crypto';
import shippedTemplates from './templates.json';
import {
  ACCEPTANCE_GOALS,
  GREETING_GOALS,
  isReviewSlot,
  isSubGoalKey,
  RECOMMEND_GOALS,
  REJECTION_GOALS,
  REVIEW_SLOTS,
  SEEN_BEFORE_FOR,
  subGoal,
  type ItemSlot,
  type SlotName,
  type SubGoalKey,
} from './goals';

export type TemplateSpeaker = 'user' | 'system';

export interface TemplateUtterance {
  speaker: TemplateSpeaker;
  goals: SubGoalKey[];
}

export interface Template {
  id: string;
  recommendations: 1 | 2 | 3;
  utterances: TemplateUtterance[];
}

/** Inclusive utterance-count bounds per number of recommendations (§11.3 constraint 5). */
export type TemplateLengthBounds = Readonly<Record<1 | 2 | 3, readonly [number, number]>>;

export const DEFAULT_TEMPLATE_LENGTHS: TemplateLengthBounds = { 1: [6, 10], 2: [8, 14], 3: [10, 16] };

export interface TemplateValidationOptions {
  lengths?: TemplateLengthBounds;
}

/** One slot of a template, in utterance order (and goal order, then slot order, within one). */
export interface SlotOccurrence {
  /** 0-based index into `template.utterances`. */
  utterance: number;
  goal: SubGoalKey;
  slot: SlotName;
  /** For a review slot: the index (in this list) of the item slot it is about; null if none (invalid template). */
  refersTo: number | null;
}

/**
 * The template's slots. A review slot refers to the nearest item slot of its kind that precedes it
 * (§11.5 steps 3–4; `OTHER_REVIEW` takes any kind: "the item most recently bound"); failing that,
 * one later in the same utterance ("or in the same utterance").
 */
export function templateSlots(template: Template): SlotOccurrence[] {
  const slots: SlotOccurrence[] = [];
  template.utterances.forEach((u, utterance) => {
    for (const goal of u.goals) for (const slot of subGoal(goal).slots) slots.push({ utterance, goal, slot, refersTo: null });
  });
  const fits = (candidate: SlotOccurrence, of: ItemSlot | 'any') => !isReviewSlot(candidate.slot) && (of === 'any' || candidate.slot === of);
  slots.forEach((s, i) => {
    if (!isReviewSlot(s.slot)) return;
    const { of } = REVIEW_SLOTS[s.slot];
    for (let j = i - 1; j >= 0 && s.refersTo === null; j--) if (fits(slots[j], of)) s.refersTo = j;
    for (let j = i + 1; j < slots.length && s.refersTo === null && slots[j].utterance === s.utterance; j++) if (fits(slots[j], of)) s.refersTo = j;
  });
  return slots;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `value` is not a valid template: an empty list means valid. Checks the shape, §11.3
 * constraints 1–5, and (recdial's addition, since such a template could never be filled) that
 * every review slot has an item slot to refer to.
 */
export function validateTemplate(value: unknown, options: TemplateValidationOptions = {}): string[] {
  if (!isObject(value)) return ['a template must be a JSON object with id, recommendations and utterances'];
  const reasons: string[] = [];
  if (typeof value.id !== 'string' || !ID.test(value.id)) reasons.push('id must be a non-empty string of letters, digits, "-", "_" or "."');
  const recommendations = value.recommendations;
  if (recommendations !== 1 && recommendations !== 2 && recommendations !== 3) reasons.push(`recommendations must be 1, 2 or 3, got ${JSON.stringify(recommendations)}`);
  if (!Array.isArray(value.utterances) || value.utterances.length === 0) return [...reasons, 'utterances must be a non-empty array'];

  // Shape and constraint 1: 1 or 2 known sub-goals per utterance, each with the utterance's speaker.
  let shapeOk = true;
  value.utterances.forEach((u: unknown, i: number) => {
    const at = `utterance ${i + 1}`;
    if (!isObject(u) || (u.speaker !== 'user' && u.speaker !== 'system') || !Array.isArray(u.goals)) {
      reasons.push(`${at}: expected {"speaker": "user" | "system", "goals": [...]}`);
      shapeOk = false;
      return;
    }
    if (u.goals.length < 1 || u.goals.length > 2) reasons.push(`${at}: has ${u.goals.length} sub-goals, expected 1 or 2`);
    for (const g of u.goals) {
      if (!isSubGoalKey(g)) {
        reasons.push(`${at}: unknown sub-goal ${JSON.stringify(g)}`);
        shapeOk = false;
      } else if (subGoal(g).speaker !== 'either' && subGoal(g).speaker !== u.speaker) {
        reasons.push(`${at}: sub-goal ${g} is uttered by the ${subGoal(g).speaker}, not the ${u.speaker}`);
      }
    }
    if (new Set(u.goals).size !== u.goals.length) reasons.push(`${at}: a sub-goal is listed twice`);
  });
  if (!shapeOk) return reasons;
  const utterances = value.utterances as TemplateUtterance[];

  // Constraint 2: alternation starting with the user; a greeting in the first utterance.
  const wrongSpeaker = utterances.findIndex((u, i) => u.speaker !== (i % 2 === 0 ? 'user' : 'system'));
  if (wrongSpeaker >= 0) reasons.push(`speakers must alternate starting with the user; utterance ${wrongSpeaker + 1} is by the ${utterances[wrongSpeaker].speaker}`);
  if (!utterances[0].goals.some((g) => GREETING_GOALS.includes(g))) reasons.push('the first utterance must contain a greeting (greet_likes or greet_dislikes)');

  // Constraint 3: the recommendations, the last one recommend_might_like.
  const recs = utterances.flatMap((u, i) => u.goals.filter((g) => RECOMMEND_GOALS.includes(g)).map((goal) => ({ goal, utterance: i })));
  if (recs.length !== recommendations) reasons.push(`recommendations is ${JSON.stringify(recommendations)} but the template has ${recs.length} recommend sub-goals`);
  if (recs.length === 0) return reasons;
  recs.slice(0, -1).forEach((r) => {
    if (r.goal === 'recommend_might_like') reasons.push(`utterance ${r.utterance + 1}: recommend_might_like must be the last recommendation`);
  });
  const last = recs[recs.length - 1];
  if (last.goal !== 'recommend_might_like') reasons.push(`the last recommendation must be recommend_might_like, got ${last.goal}`);
  if (new Set(recs.map((r) => r.utterance)).size !== recs.length) reasons.push('at most one recommendation per utterance');

  // Constraint 4: what the user answers to each recommendation.
  const nextUser = (after: number) => utterances.findIndex((u, i) => i > after && u.speaker === 'user');
  recs.forEach((r, n) => {
    const reply = nextUser(r.utterance);
    const seenBefore = SEEN_BEFORE_FOR[r.goal];
    const rejections = seenBefore ? [...REJECTION_GOALS, seenBefore] : REJECTION_GOALS;
    if (n < recs.length - 1) {
      if (reply < 0 || !utterances[reply].goals.some((g) => rejections.includes(g))) {
        reasons.push(`utterance ${r.utterance + 1}: the user utterance after ${r.goal} must contain a rejection (${rejections.join(', ')})`);
      }
      return;
    }
    const anyRejection = [...REJECTION_GOALS, 'seen_before_like', 'seen_before_dislike'];
    if (reply >= 0 && utterances[reply].goals.some((g) => anyRejection.includes(g))) {
      reasons.push(`utterance ${reply + 1}: the user utterance after the final recommendation must not contain a rejection`);
    }
    if (!utterances.some((u, i) => i > r.utterance && u.speaker === 'user' && u.goals.some((g) => ACCEPTANCE_GOALS.includes(g)))) {
      reasons.push(`the user must accept (${ACCEPTANCE_GOALS.join(', ')}) after the final recommendation`);
    }
  });

  // Constraint 5: length by number of recommendations.
  if (recommendations === 1 || recommendations === 2 || recommendations === 3) {
    const [min, max] = (options.lengths ?? DEFAULT_TEMPLATE_LENGTHS)[recommendations];
    if (utterances.length < min || utterances.length > max) {
      reasons.push(`${utterances.length} utterances; a template with ${recommendations} recommendation(s) needs ${min} to ${max}`);
    }
  }

  // Every review slot must be about some bound item.
  const shaped: Template = { id: String(value.id), recommendations: 1, utterances };
  for (const s of templateSlots(shaped)) {
    if (isReviewSlot(s.slot) && s.refersTo === null) {
      const of = REVIEW_SLOTS[s.slot].of;
      reasons.push(`utterance ${s.utterance + 1}: [${s.slot}] of ${s.goal} has no ${of === 'any' ? 'bound item' : `[${of}] slot`} before it or in its utterance to refer to`);
    }
  }
  return reasons;
}

export class TemplateLibraryError extends Error {
  constructor(readonly problems: ReadonlyArray<{ id: string; reasons: string[] }>) {
    super(`invalid goal templates: ${problems.map((p) => `template ${p.id}: ${p.reasons.join('; ')}`).join(' | ')}`);
    this.name = 'TemplateLibraryError';
  }
}

/**
 * Validates a library and returns its templates (only the known fields, in the given order, which
 * matters: template choice draws an index among the eligible ones). Any invalid template or
 * repeated id refuses the whole library, naming each template (by id, or `#index`) and reason.
 */
export function loadTemplateLibrary(templates: readonly unknown[], options: TemplateValidationOptions = {}): Template[] {
  const problems: Array<{ id: string; reasons: string[] }> = [];
  const seen = new Set<string>();
  templates.forEach((t, i) => {
    const id = isObject(t) && typeof t.id === 'string' && t.id !== '' ? t.id : `#${i}`;
    const reasons = validateTemplate(t, options);
    if (seen.has(id)) reasons.push(`duplicate template id ${JSON.stringify(id)}`);
    seen.add(id);
    if (reasons.length > 0) problems.push({ id, reasons });
  });
  if (problems.length > 0) throw new TemplateLibraryError(problems);
  return (templates as Template[]).map((t) => ({
    id: t.id,
    recommendations: t.recommendations,
    utterances: t.utterances.map((u) => ({ speaker: u.speaker, goals: [...u.goals] })),
  }));
}

/** SHA-256 (hex) of the library's canonical JSON: fixed key order, no whitespace, templates in order. */
export function templateLibraryVersion(templates: readonly Template[]): string {
  const canonical = JSON.stringify(
    templates.map((t) => ({ id: t.id, recommendations: t.recommendations, utterances: t.utterances.map((u) => ({ speaker: u.speaker, goals: u.goals })) })),
  );
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** recdial's shipped library; loading it at import time means an invalid edit fails fast. */
export const TEMPLATE_LIBRARY: readonly Template[] = loadTemplateLibrary(shippedTemplates as unknown[]);

/** Recorded with every run's provenance (docs/pipeline.md §13). */
export const TEMPLATE_LIBRARY_VERSION: string = templateLibraryVersion(TEMPLATE_LIBRARY);
