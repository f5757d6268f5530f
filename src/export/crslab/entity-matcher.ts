import { escapeRegExp } from '../../ingest/titles';
import type { CrslabEntity } from './entities';

/** Names shorter than this are not looked for (too many false hits: "Up", "It"). */
const MIN_NAME_LENGTH = 3;
const WORD = '[\\p{L}\\p{N}\\p{M}]';
const WORD_BEFORE = new RegExp(`${WORD}$`, 'u');
const WORD_AFTER = new RegExp(`^${WORD}`, 'u');

/**
 * Finds KG entity names in text (docs/formats.md §8.7 `entity`): case-insensitive, whole words, the
 * longest name wherever several start at the same place, no overlaps. Of entities whose names
 * differ only in case, the one spelled as in the text wins, else the first in dense order.
 * One matcher per dialogue: its candidates are the entities linked to its items.
 *
 * Names are found with indexOf on the lower-cased text rather than one alternation regex: with
 * a few hundred names per dialogue the regex tried every name at every position, which made a
 * full-scale export with the knowledge graph ten times slower. The regex stays for the rare text
 * whose lower-casing changes its length (offsets would no longer line up).
 */
export class EntityMatcher {
  private readonly pattern: RegExp | null;
  private readonly folded: string[];
  private readonly byFolded = new Map<string, CrslabEntity[]>();

  constructor(candidates: Iterable<CrslabEntity>) {
    const names = new Set<string>();
    for (const entity of candidates) {
      if (Array.from(entity.baseName).length < MIN_NAME_LENGTH) continue;
      const folded = entity.baseName.toLowerCase();
      let list = this.byFolded.get(folded);
      if (!list) this.byFolded.set(folded, (list = []));
      if (!list.includes(entity)) list.push(entity);
      names.add(entity.baseName);
    }
    for (const list of this.byFolded.values()) list.sort((a, b) => a.id - b.id);
    // Alternation tries names in order, so longest first makes the longest name win at a position.
    const ordered = [...names].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
    this.pattern = ordered.length ? new RegExp(`(?<!${WORD})(?:${ordered.map(escapeRegExp).join('|')})(?!${WORD})`, 'giu') : null;
    this.folded = [...this.byFolded.keys()];
  }

  /** The entities named in `text`, in order of appearance, each once. */
  find(text: string): CrslabEntity[] {
    if (!this.pattern) return [];
    const lower = text.toLowerCase();
    if (lower.length !== text.length) return this.findWithPattern(text);
    const spans: Array<{ start: number; end: number }> = [];
    for (const name of this.folded) {
      for (let at = lower.indexOf(name); at !== -1; at = lower.indexOf(name, at + 1)) {
        const end = at + name.length;
        if (WORD_BEFORE.test(text.slice(Math.max(0, at - 2), at)) || WORD_AFTER.test(text.slice(end, end + 2))) continue;
        spans.push({ start: at, end });
      }
    }
    // Leftmost first, longest at a position, no overlaps: what the alternation regex finds.
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const found: CrslabEntity[] = [];
    let reached = 0;
    for (const span of spans) {
      if (span.start < reached) continue;
      reached = span.end;
      const entity = this.resolve(text.slice(span.start, span.end));
      if (entity && !found.includes(entity)) found.push(entity);
    }
    return found;
  }

  private findWithPattern(text: string): CrslabEntity[] {
    const pattern = this.pattern!;
    const found: CrslabEntity[] = [];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const entity = this.resolve(match[0]);
      if (entity && !found.includes(entity)) found.push(entity);
    }
    return found;
  }

  private resolve(matched: string): CrslabEntity | undefined {
    let list = this.byFolded.get(matched.toLowerCase());
    if (!list) {
      // Case folding in the regular expression and toLowerCase can disagree on rare letters.
      list = [...this.byFolded.values()].find((l) => new RegExp(`^${escapeRegExp(l[0].baseName)}$`, 'iu').test(matched));
      if (!list) return undefined;
    }
    return list.find((e) => e.baseName === matched) ?? list[0];
  }
}
