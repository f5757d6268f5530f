/**
 * The items a recommender's reply recommends: the ids it lists (ASINs, or the API's global Item
 * ids), or else the catalogue titles found in its text: exact mentions anywhere, and list
 * entries matched to the nearest title within the fuzzy threshold (docs/metrics.md §2).
 */
import { findTitleMentions } from '../../src/ingest/titles';
import { fromGlobalId } from '../../src/pagination/global-id';
import { findFuzzyTitle, rankByTitles, TitleIndex } from '../goal-template/fuzzy-title';

export interface CatalogueEntry {
  id: number;
  asin: string;
  title: string;
}

/** A domain's items, indexed once per worker. */
export class Catalogue {
  readonly byId: Map<number, CatalogueEntry>;
  readonly byAsin: Map<string, CatalogueEntry>;
  readonly titles: ReadonlyArray<{ key: string; title: string }>;
  readonly index: TitleIndex<number>;

  constructor(readonly items: readonly CatalogueEntry[]) {
    this.byId = new Map(items.map((i) => [i.id, i]));
    this.byAsin = new Map(items.map((i) => [i.asin, i]));
    this.titles = items.filter((i) => i.title).map((i) => ({ key: String(i.id), title: i.title }));
    this.index = new TitleIndex(items.filter((i) => i.title).map((i) => ({ key: i.id, title: i.title })));
  }
}

export interface ReadRecommendations {
  itemIds: number[];
  /** How they were read. */
  by: 'ids' | 'titles';
  /** Listed ids that name no catalogue item. */
  unknownIds: string[];
}

export function readRecommendations(reply: { text: string; items?: readonly string[] | null }, catalogue: Catalogue): ReadRecommendations {
  if (reply.items && reply.items.length > 0) {
    const itemIds: number[] = [];
    const unknownIds: string[] = [];
    for (const raw of reply.items) {
      const id = String(raw).trim();
      const global = fromGlobalId(id);
      const item = global?.type === 'Item' ? catalogue.byId.get(Number(global.id)) : catalogue.byAsin.get(id);
      if (!item) unknownIds.push(id);
      else if (!itemIds.includes(item.id)) itemIds.push(item.id);
    }
    return { itemIds, by: 'ids', unknownIds };
  }
  const found: Array<{ id: number; at: number }> = [];
  for (const m of findTitleMentions(reply.text, catalogue.titles, { caseInsensitive: 'multi-word' })) found.push({ id: Number(m.key), at: m.start });
  // List-style answers ("1. Amelie (2001)"): each entry to its nearest title within the threshold.
  const ranked = rankByTitles(reply.text, catalogue.index);
  for (const e of ranked.entries) {
    if (!e.kept || !e.nearest) continue;
    const at = reply.text.indexOf(e.entry);
    found.push({ id: e.nearest.key, at: at < 0 ? Number.MAX_SAFE_INTEGER : at });
  }
  found.sort((a, b) => a.at - b.at);
  const itemIds: number[] = [];
  for (const f of found) if (!itemIds.includes(f.id)) itemIds.push(f.id);
  return { itemIds, by: 'titles', unknownIds: [] };
}

/** Where an item's title is written in a reply (for the stored mention), exactly or fuzzily; null when it is not. */
export function locateTitle(text: string, title: string): { start: number; end: number } | null {
  return findFuzzyTitle(text, title);
}
