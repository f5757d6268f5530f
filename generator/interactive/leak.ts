/**
 * Target-title leaks of a simulated seeker (Zhu et al., WWW '24): an utterance that names the
 * target, exactly or within the fuzzy threshold of docs/metrics.md §2, has that name blanked out.
 */
import { findTitleMentions } from '../../src/ingest/titles';
import { DEFAULT_FUZZY_THRESHOLD, findFuzzyTitle } from '../goal-template/fuzzy-title';

export const REDACTION = '[…]';

/**
 * Replaces every fuzzy occurrence of `title` in `text`; `found` counts them, `distances` the edit
 * distance of each. `keep`: other items' titles (the seeker's history) whose exact mentions are no
 * leak even when they contain the target's ("Blade Runner 2049" when the target is "Blade Runner").
 */
export function redactTitle(
  text: string,
  title: string,
  replacement = REDACTION,
  options: { threshold?: number; keep?: readonly string[] } = {},
): { text: string; found: number; distances: number[] } {
  const threshold = options.threshold ?? DEFAULT_FUZZY_THRESHOLD;
  const target = title.trim().toLowerCase();
  const keep = (options.keep ?? []).filter((t) => t.trim() && t.trim().toLowerCase() !== target).map((t, i) => ({ key: String(i), title: t }));
  let out = text;
  const distances: number[] = [];
  // Each pass removes one occurrence, until none is left. A pass that changes nothing (a replacement
  // that itself matched) stops the loop; no text holds more occurrences than characters.
  for (let pass = 0; pass <= text.length; pass++) {
    const exclude = keep.length ? findTitleMentions(out, keep, { caseInsensitive: 'multi-word' }) : [];
    const m = findFuzzyTitle(out, title, { threshold, exclude });
    if (!m) break;
    const next = out.slice(0, m.start) + replacement + out.slice(m.end);
    if (next === out) break;
    distances.push(m.distance);
    out = next;
  }
  return { text: out, found: distances.length, distances };
}
