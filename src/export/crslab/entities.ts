import type { EntityManager } from 'typeorm';
import type { CrslabOptions } from './options';

export type CrslabEntityType = 'pad' | 'item' | 'person' | 'genre' | 'keyword';

export interface CrslabEntity {
  /** Dense id: 0 is `<pad>`, then items, people, genres, keywords (docs/formats.md §8.7). */
  id: number;
  type: CrslabEntityType;
  /** Typed key as stored: `item:<asin>`, `person:<tmdb id>` … */
  key: string;
  /** The id written to distillrecdial files: the typed key, or the bare id with `--raw-ids compat`. */
  rawId: string;
  /** Cleaned display name before any collision suffix: what the matcher looks for in text. */
  baseName: string;
  /** The canonical name, the one string used in `movies`, `entity` and the entity map. */
  name: string;
  /** items.id for items, kg_entities.id for KG entities. */
  sourceId: number;
}

/** Relation ids of dbpedia_subkg.json (docs/formats.md §8.7). */
export const CRSLAB_RELATIONS: readonly string[] = [
  'has_acting', 'has_genre', 'has_keyword', 'has_crew', 'has_directing', 'has_production', 'has_art', 'has_editing',
  'has_writing', 'has_visual effects', 'has_sound', 'has_costume & make-up', 'has_camera', 'has_lighting', 'has_creator',
];
const RELATION_IDS = new Map(CRSLAB_RELATIONS.map((name, id) => [name, id]));
/** Only the top-10 cast become `has_acting` triples. */
const TOP_CAST = 10;

export interface CrslabEntityTable {
  /** In dense id order. */
  entities: CrslabEntity[];
  byName: Map<string, CrslabEntity>;
  byItemId: Map<number, CrslabEntity>;
  byKgId: Map<number, CrslabEntity>;
  /** movie_ids.json: the item universe, ascending entity ids. */
  movieIds: number[];
  /** [head entity id, relation id, tail entity id], sorted. */
  triples: Array<[number, number, number]>;
  /** KG entities linked to each item (tails of its triples), for mention detection. */
  linkedEntities: Map<number, CrslabEntity[]>;
  warnings: string[];
}

const TYPE_ORDER: Record<CrslabEntityType, number> = { pad: 0, item: 1, person: 2, genre: 3, keyword: 4 };

/** Code-point order (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
}

function idPart(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/** Dense order of §8.7: pad, items by parent_asin, then people, genres, keywords by numeric TMDB id. */
export function compareEntityKeys(a: { type: CrslabEntityType; key: string }, b: { type: CrslabEntityType; key: string }): number {
  if (a.type !== b.type) return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  const x = idPart(a.key);
  const y = idPart(b.key);
  if (a.type !== 'item' && /^\d+$/.test(x) && /^\d+$/.test(y) && x !== y) {
    const d = Number(x) - Number(y);
    if (d !== 0) return d;
  }
  return compareCodePoints(x, y);
}

/**
 * Canonical names (§8.7): each entity keeps its cleaned name, except that when several entities
 * share one exactly (case-sensitive, as the loader compares), all but the first in dense order
 * get ` [<raw id>]`. `entities` must be in dense order.
 */
export function assignEntityNames(entities: ReadonlyArray<{ baseName: string; rawId: string }>): string[] {
  const owner = new Map<string, number>();
  const names = entities.map((e, i) => {
    if (!owner.has(e.baseName)) {
      owner.set(e.baseName, i);
      return e.baseName;
    }
    return `${e.baseName} [${e.rawId}]`;
  });
  return names;
}

/** `--raw-ids compat` writes bare ids like the original; ids that would collide stay typed. */
function assignRawIds(entities: Array<{ type: CrslabEntityType; key: string }>, mode: CrslabOptions['rawIds'], warnings: string[]): string[] {
  if (mode === 'typed') return entities.map((e) => e.key);
  const taken = new Set<string>();
  const collided: string[] = [];
  const rawIds = entities.map((e) => {
    const bare = e.type === 'pad' ? e.key : idPart(e.key);
    if (taken.has(bare)) {
      collided.push(e.key);
      taken.add(e.key);
      return e.key;
    }
    taken.add(bare);
    return bare;
  });
  if (collided.length) {
    warnings.push(
      `--raw-ids compat: ${collided.length} bare ids collide with an earlier entity's (e.g. ${collided.slice(0, 5).join(', ')}); those keep their typed id`,
    );
  }
  return rawIds;
}

/** The selected dialogues (filter conditions over `d`) that have a split: the export's scope. */
export interface DialogueScope {
  where: string[];
  params: unknown[];
}

function scopeSql(scope: DialogueScope): string {
  return `SELECT d.id, d.domain, d.user_id, d.target_item_id FROM dialogues d WHERE ${[...scope.where, 'd.split IS NOT NULL'].join(' AND ')}`;
}

/** Item ids of the universe (§8.7 `--item-universe`); targets are always in it. */
async function universeItemIds(manager: EntityManager, scope: DialogueScope, universe: CrslabOptions['itemUniverse']): Promise<number[]> {
  const parts = ['SELECT target_item_id AS id FROM sel WHERE target_item_id IS NOT NULL'];
  if (universe === 'catalog') {
    // The catalogue of the exported dialogues' domains (the items their generation drew from).
    parts.push('SELECT i.id FROM items i WHERE i.domain IN (SELECT DISTINCT domain FROM sel)');
  } else {
    parts.push('SELECT m.item_id FROM turn_mentions m JOIN sel ON sel.id = m.dialogue_id WHERE m.item_id IS NOT NULL');
    if (universe === 'mentioned+history') {
      parts.push('SELECT x.item_id FROM interactions x WHERE x.user_id IN (SELECT user_id FROM sel WHERE user_id IS NOT NULL)');
      parts.push('SELECT unnest(p.history_item_ids) FROM user_profiles p WHERE p.user_id IN (SELECT user_id FROM sel WHERE user_id IS NOT NULL)');
    }
  }
  const rows: Array<{ id: number }> = await manager.query(`WITH sel AS (${scopeSql(scope)}) ${parts.join(' UNION ')}`, scope.params);
  return rows.map((r) => r.id);
}

export interface UniverseOffender {
  dialogueId: number;
  turnIndex: number;
  asin: string;
}

/** R1 before anything is written: mentioned items outside the universe would be gold items that are not candidates. */
export async function mentionsOutsideUniverse(manager: EntityManager, scope: DialogueScope, itemIds: number[], limit = 50): Promise<{ count: number; sample: UniverseOffender[] }> {
  const p = scope.params.length;
  const rows: Array<{ dialogue_id: number; idx: number; asin: string; total: number }> = await manager.query(
    `WITH sel AS (${scopeSql(scope)})
     SELECT m.dialogue_id, t.idx, i.asin, count(*) OVER ()::int AS total
       FROM turn_mentions m JOIN sel ON sel.id = m.dialogue_id JOIN turns t ON t.id = m.turn_id JOIN items i ON i.id = m.item_id
      WHERE NOT (m.item_id = ANY($${p + 1}))
      ORDER BY m.dialogue_id, t.idx, m.start_offset LIMIT $${p + 2}`,
    [...scope.params, itemIds, limit],
  );
  return { count: rows[0]?.total ?? 0, sample: rows.map((r) => ({ dialogueId: r.dialogue_id, turnIndex: r.idx, asin: r.asin })) };
}

/**
 * Everything CRSLab knows about entities, built from the database: the item universe, the KG
 * entities linked to it, dense ids, canonical names and the typed KG. Its size follows the
 * catalogue, not the number of dialogues.
 */
export async function loadEntityTable(manager: EntityManager, scope: DialogueScope, options: CrslabOptions): Promise<CrslabEntityTable> {
  const warnings: string[] = [];
  const universe = await universeItemIds(manager, scope, options.itemUniverse);
  const items: Array<{ id: number; asin: string; cleaned_title: string }> = await manager.query(
    'SELECT id, asin, cleaned_title FROM items WHERE id = ANY($1)',
    [universe],
  );
  const links: Array<{ item_id: number; relation: string; position: number; entity_id: number; key: string; type: string; name: string }> = await manager.query(
    `SELECT ie.item_id, ie.relation, ie.position, e.id AS entity_id, e.key, e.type, e.name
       FROM item_entities ie JOIN kg_entities e ON e.id = ie.entity_id WHERE ie.item_id = ANY($1)`,
    [universe],
  );

  type Draft = { type: CrslabEntityType; key: string; baseName: string; sourceId: number };
  const drafts: Draft[] = [{ type: 'pad', key: 'pad:0', baseName: '<pad>', sourceId: 0 }];
  for (const item of items) {
    drafts.push({ type: 'item', key: `item:${item.asin}`, baseName: item.cleaned_title.trim() || item.asin, sourceId: item.id });
  }
  const unknownRelations = new Map<string, number>();
  const usedLinks: typeof links = [];
  const kgDrafts = new Map<number, Draft>();
  for (const link of links) {
    if (!RELATION_IDS.has(link.relation)) {
      unknownRelations.set(link.relation, (unknownRelations.get(link.relation) ?? 0) + 1);
      continue;
    }
    if (link.relation === 'has_acting' && link.position >= TOP_CAST) continue;
    if (link.type !== 'person' && link.type !== 'genre' && link.type !== 'keyword') continue;
    usedLinks.push(link);
    if (!kgDrafts.has(link.entity_id)) {
      kgDrafts.set(link.entity_id, { type: link.type, key: link.key, baseName: link.name.trim() || link.key, sourceId: link.entity_id });
    }
  }
  if (unknownRelations.size) {
    warnings.push(`KG links with relations CRSLab's table does not know were left out: ${[...unknownRelations].map(([r, n]) => `${r} (${n})`).join(', ')}`);
  }
  // A loop, not push(...values): spreading 177k entities overflows the call stack.
  for (const draft of kgDrafts.values()) drafts.push(draft);
  drafts.sort(compareEntityKeys);

  const rawIds = assignRawIds(drafts, options.rawIds, warnings);
  const names = assignEntityNames(drafts.map((d, i) => ({ baseName: d.baseName, rawId: rawIds[i] })));
  const entities: CrslabEntity[] = drafts.map((d, id) => ({ id, ...d, rawId: rawIds[id], name: names[id] }));
  const renamed = entities.filter((e) => e.name !== e.baseName).length;
  if (renamed) warnings.push(`${renamed} entities share a name with another and carry their raw id as a suffix, e.g. "${entities.find((e) => e.name !== e.baseName)!.name}"`);

  const byItemId = new Map<number, CrslabEntity>();
  const byKgId = new Map<number, CrslabEntity>();
  for (const e of entities) {
    if (e.type === 'item') byItemId.set(e.sourceId, e);
    else if (e.type !== 'pad') byKgId.set(e.sourceId, e);
  }
  const triples: Array<[number, number, number]> = usedLinks.map((l) => [byItemId.get(l.item_id)!.id, RELATION_IDS.get(l.relation)!, byKgId.get(l.entity_id)!.id]);
  triples.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const linkedEntities = new Map<number, CrslabEntity[]>();
  for (const [head, , tail] of triples) {
    const itemId = entities[head].sourceId;
    let list = linkedEntities.get(itemId);
    if (!list) linkedEntities.set(itemId, (list = []));
    if (list[list.length - 1] !== entities[tail]) list.push(entities[tail]);
  }
  return {
    entities,
    byName: new Map(entities.map((e) => [e.name, e])),
    byItemId,
    byKgId,
    movieIds: entities.filter((e) => e.type === 'item').map((e) => e.id),
    triples,
    linkedEntities,
    warnings,
  };
}
