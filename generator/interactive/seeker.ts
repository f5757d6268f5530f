/**
 * The simulated seeker of interactive evaluation (issue 15 §5, after iEvaLM): a model told who
 * it is (the user's stereotype persona), what it has watched (the prepared history) and what it
 * is looking for (the target's attributes), but never the target's title, which it could
 * otherwise simply ask for (Zhu et al., WWW '24). Pure functions of their inputs.
 */
import type { ChatMessage, StereotypeFeatures } from '../types';
import { PERSONAS, type StereotypeKey } from '../prompts/system-prompts';
import { redactTitle } from './leak';
import type { TurnRoleValue } from '../../src/dialogues/vocabulary';

/** Bumped when the wording below changes; recorded with every simulated dialogue. */
export const SEEKER_PROMPT_VERSION = 1;

/** The first words of every seeker system prompt (the scripted test server recognises seekers by them). */
export const SEEKER_MARKER = 'You are role-playing a person (the seeker)';

export interface SeekerTarget {
  title: string;
  genres: string[];
  keywords: string[];
  cast: string[];
  directors: string[];
  overview: string | null;
}

export interface SeekerBrief {
  stereotypeKey: string | null;
  features: StereotypeFeatures | null;
  /** Chronological, with the user's rating (1–5). */
  history: Array<{ title: string; rating: number }>;
  target: SeekerTarget;
}

/** Liked when rating > 3, as in the profile prompt (docs/pipeline.md §4). */
const LIKED_ABOVE = 3;

/**
 * The seeker's system prompt. The target is described by the attributes its stereotype lets the
 * user know (genres and keywords always, so that every seeker has something to ask for; cast,
 * directors and the overview for stereotypes that see the target in full), the overview with
 * the title blanked out, as a paraphrase to work from rather than a text to copy.
 */
export function seekerSystemPrompt(brief: SeekerBrief): string {
  const f = brief.features;
  const shown = new Set(['Genres', 'Keywords', ...(f?.targetVisibility === 'full' ? f.targetFeatures : [])]);
  const t = brief.target;
  const parts: string[] = [];
  parts.push(
    `${SEEKER_MARKER} who is chatting with a movie recommender system to find a movie to watch. You write only the seeker's messages, one at a time: short, natural, in the first person, one to three sentences each. Never write the recommender's part.`,
  );
  const persona = brief.stereotypeKey && (PERSONAS as Record<string, string>)[brief.stereotypeKey];
  if (persona) {
    parts.push(
      `The kind of person you are (from the dataset's description of this type of user; "the user" is you, and what it says about the assistant tells you how such conversations usually go):\n${persona}`,
    );
  }
  if ((f?.historyBlock ?? true) && brief.history.length > 0) {
    const liked = brief.history.filter((h) => h.rating > LIKED_ABOVE).map((h) => h.title);
    const disliked = brief.history.filter((h) => h.rating <= LIKED_ABOVE).map((h) => h.title);
    const lines = ['What you have watched:'];
    if (liked.length) lines.push(`Liked: ${liked.join('; ')}`);
    if (disliked.length) lines.push(`Disliked: ${disliked.join('; ')}`);
    parts.push(lines.join('\n'));
  }
  const want = ['The movie you are hoping to find (you do not know its title):'];
  if (t.genres.length) want.push(`Genres: ${t.genres.join(', ')}`);
  if (t.keywords.length) want.push(`Keywords: ${t.keywords.join(', ')}`);
  if (shown.has('Actors') && t.cast.length) want.push(`Actors: ${t.cast.slice(0, 3).join(', ')}`);
  if (shown.has('Directors') && t.directors.length) want.push(`Directors: ${t.directors.join(', ')}`);
  if (shown.has('Overview') && t.overview && t.overview.length > 2) {
    want.push(`What it is about (paraphrase it, never copy it): ${redactTitle(t.overview, t.title, 'the film', { keep: brief.history.map((h) => h.title) }).text}`);
  }
  parts.push(want.join('\n'));
  parts.push(
    `Rules:
1. Describe what you are in the mood for through these details, a little at a time, as a real person would; react to the recommender's suggestions and say what does or does not appeal to you.
2. You do not know the title of the movie you are hoping to find: never guess or name it.
3. When the recommender suggests the movie you are hoping to find, accept it.
4. Output only your next message: no speaker name, no quotes, no notes.`,
  );
  return parts.join('\n\n');
}

/** One utterance of a simulated conversation. */
export interface Utterance {
  role: TurnRoleValue;
  text: string;
}

export const OPENING_CUE = '(The conversation starts now. Write your first message to the recommender.)';
export const ACCEPT_CUE = '(The recommender has just suggested the movie you were hoping to find. Accept it in one short, natural sentence.)';

/**
 * The seeker model's view of the conversation: it speaks as `assistant`, the recommender's
 * replies come as `user` messages. `closing`: the recommender has just named the target, and the
 * seeker is told to accept.
 */
export function seekerMessages(system: string, conversation: readonly Utterance[], closing = false): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: system }, { role: 'user', content: OPENING_CUE }];
  for (const u of conversation) {
    if (u.role === 'USER') messages.push({ role: 'assistant', content: u.text });
    else messages.push({ role: 'user', content: u.text });
  }
  if (closing) {
    const last = messages[messages.length - 1];
    messages[messages.length - 1] = { ...last, content: `${last.content}\n\n${ACCEPT_CUE}` };
  }
  return messages;
}
