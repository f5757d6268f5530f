/**
 * What CRSLab's dataset loaders do with an exported folder (docs/formats.md §8.4), re-implemented
 * as faithfully as the tests need: the upstream ReDial loader (`crslab/data/dataset/redial`)
 * and the DistillRecDial fork's `llmsindataset` loader. Names not found are dropped silently,
 * as there; everything that makes the real loader fail throws here.
 */
import fs from 'node:fs';
import path from 'node:path';

export type Flavor = 'upstream' | 'distillrecdial';

interface RawUtterance {
  utt_id: number;
  role: string;
  text: string[];
  movies: string[];
  entity: string[];
  word: string[];
}

export interface MergedTurn {
  role: string;
  text: number[];
  movie: number[];
  entity: number[];
  word: number[];
}

export interface Sample {
  convId: string;
  role: string;
  contextTokens: number[][];
  response: number[];
  contextEntities: number[];
  contextWords: number[];
  contextItems: number[];
  items: number[];
}

export interface LoadedSplit {
  conversations: number;
  /** Strings in `movies` lists of the file, before any lookup. */
  rawGoldNames: number;
  /** `movies` names the entity map does not know: silently dropped by the loader. */
  droppedMovieNames: string[];
  droppedEntityNames: string[];
  merged: MergedTurn[][];
  samples: Sample[];
}

export interface LoadedDataset {
  version: string;
  tok2ind: Record<string, number>;
  unkTokenIdx: number;
  /** name → dense entity id, as the model sees it. */
  entity2id: Map<string, number>;
  id2entity: Map<number, string>;
  nEntity: number;
  word2id: Record<string, number>;
  itemEntityIds: number[];
  entityKg: { edge: Array<[number, number, number]>; nRelation: number; entity: string[] };
  splits: Record<'train' | 'valid' | 'test', LoadedSplit>;
}

const VERSIONS: Record<Flavor, string> = { upstream: '0.31', distillrecdial: '0.1' };
const SELF_LOOP_ID = 185;

function readJson(dir: string, name: string): any {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
}

/**
 * Entries of a flat JSON object in file order (Python's dict keeps it; JSON.parse moves
 * integer-like keys such as bare TMDB ids to the front).
 */
export function orderedEntries(text: string): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  const pair = /"((?:[^"\\]|\\.)*)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)/gy;
  let at = text.indexOf('{') + 1;
  for (;;) {
    while (/[\s,]/.test(text[at] ?? '')) at++;
    if (text[at] === '}') break;
    pair.lastIndex = at;
    const m = pair.exec(text);
    if (!m) throw new Error(`cannot read a JSON object entry at offset ${at}`);
    entries.push([JSON.parse(`"${m[1]}"`), JSON.parse(m[2])]);
    at = pair.lastIndex;
  }
  return entries;
}

/** `.built`: the loader downloads (and deletes the folder) unless line 2 is its version. */
export function checkBuilt(dir: string, flavor: Flavor): { timestamp: string; version: string } {
  const [timestamp, version] = fs.readFileSync(path.join(dir, '.built'), 'utf8').split('\n');
  if (version !== VERSIONS[flavor]) throw new Error(`.built version ${JSON.stringify(version)} != ${VERSIONS[flavor]}: the loader would delete the folder`);
  return { timestamp, version };
}

function mergeConversation(dialog: RawUtterance[], data: { tok2ind: Record<string, number>; unk: number; entity2id: Map<string, number>; word2id: Record<string, number> }, split: LoadedSplit): MergedTurn[] {
  const merged: MergedTurn[] = [];
  let lastRole: string | null = null;
  for (const utt of dialog) {
    const text = utt.text.map((w) => data.tok2ind[w] ?? data.unk);
    split.rawGoldNames += utt.movies.length;
    const movie: number[] = [];
    for (const name of utt.movies) {
      const id = data.entity2id.get(name);
      if (id === undefined) split.droppedMovieNames.push(name);
      else movie.push(id);
    }
    const entity: number[] = [];
    for (const name of utt.entity) {
      const id = data.entity2id.get(name);
      if (id === undefined) split.droppedEntityNames.push(name);
      else entity.push(id);
    }
    const word = utt.word.filter((w) => Object.prototype.hasOwnProperty.call(data.word2id, w)).map((w) => data.word2id[w]);
    if (utt.role === lastRole) {
      const last = merged[merged.length - 1];
      last.text.push(...text);
      last.movie.push(...movie);
      last.entity.push(...entity);
      last.word.push(...word);
    } else merged.push({ role: utt.role, text, movie, entity, word });
    lastRole = utt.role;
  }
  return merged;
}

function augment(convId: string, conv: MergedTurn[]): Sample[] {
  const samples: Sample[] = [];
  const contextTokens: number[][] = [];
  const contextEntities: number[] = [];
  const contextWords: number[] = [];
  const contextItems: number[] = [];
  const entitySet = new Set<number>();
  const wordSet = new Set<number>();
  for (const turn of conv) {
    if (contextTokens.length > 0) {
      samples.push({
        convId,
        role: turn.role,
        contextTokens: contextTokens.map((t) => [...t]),
        response: turn.text,
        contextEntities: [...contextEntities],
        contextWords: [...contextWords],
        contextItems: [...contextItems],
        items: turn.movie,
      });
    }
    contextTokens.push(turn.text);
    contextItems.push(...turn.movie);
    for (const e of [...turn.entity, ...turn.movie]) {
      if (!entitySet.has(e)) {
        entitySet.add(e);
        contextEntities.push(e);
      }
    }
    for (const w of turn.word) {
      if (!wordSet.has(w)) {
        wordSet.add(w);
        contextWords.push(w);
      }
    }
  }
  return samples;
}

/** `_entity_kg_process`: self-loops (185), both directions, relations with ≤ 1,000 edges dropped, the rest renumbered. */
export function processEntityKg(kg: Map<number, Array<[number, number]>>, nEntity: number, id2entity: Map<number, string>): LoadedDataset['entityKg'] {
  const edgeList: Array<[number, number, number]> = [];
  for (let entity = 0; entity < nEntity; entity++) {
    const tails = kg.get(entity);
    if (!tails) continue;
    edgeList.push([entity, entity, SELF_LOOP_ID]);
    for (const [relation, tail] of tails) {
      if (entity !== tail && relation !== SELF_LOOP_ID) {
        edgeList.push([entity, tail, relation]);
        edgeList.push([tail, entity, relation]);
      }
    }
  }
  const counts = new Map<number, number>();
  for (const [, , r] of edgeList) counts.set(r, (counts.get(r) ?? 0) + 1);
  const relation2id = new Map<number, number>();
  const edges = new Map<string, [number, number, number]>();
  const entities = new Set<string>();
  for (const [h, t, r] of edgeList) {
    if (counts.get(r)! <= 1000) continue;
    if (!relation2id.has(r)) relation2id.set(r, relation2id.size);
    const edge: [number, number, number] = [h, t, relation2id.get(r)!];
    edges.set(edge.join(','), edge);
    for (const id of [h, t]) {
      const name = id2entity.get(id);
      if (name === undefined) throw new Error(`KeyError: ${id} (a KG id that is not in entity2id.json)`);
      entities.add(name);
    }
  }
  return { edge: [...edges.values()], nRelation: relation2id.size, entity: [...entities] };
}

/** Loads a folder the way CRSLab's loader for the flavour does. */
export function loadCrslabDataset(dir: string, flavor: Flavor): LoadedDataset {
  const { version } = checkBuilt(dir, flavor);
  const tok2ind: Record<string, number> = readJson(dir, 'token2id.json');
  // CRSLab's unk id per tokenization (docs/formats.md §8.8): 3 for nltk and gpt2, 100 for bert.
  const unkTokenIdx = tok2ind['[UNK]'] === 100 ? 100 : 3;

  let entity2id: Map<string, number>;
  let nEntity: number;
  let kg = new Map<number, Array<[number, number]>>();
  let itemEntityIds: number[];
  let word2id: Record<string, number>;
  if (flavor === 'upstream') {
    entity2id = new Map(Object.entries(readJson(dir, 'entity2id.json') as Record<string, number>));
    nEntity = Math.max(...entity2id.values()) + 1;
    const raw: Record<string, Array<[number, number]>> = readJson(dir, 'dbpedia_subkg.json');
    for (const [head, tails] of Object.entries(raw)) kg.set(Number(head), tails);
    itemEntityIds = readJson(dir, 'movie_ids.json');
    if (!Array.isArray(itemEntityIds)) throw new Error('movie_ids.json: upstream expects a list');
    word2id = readJson(dir, 'concept2id.json');
    if (!Object.keys(word2id).length) throw new Error('concept2id.json: max() of an empty sequence');
    const conceptWords = fs.readFileSync(path.join(dir, 'conceptnet_subkg.txt'), 'utf8').split('\n').filter((l) => l.trim());
    for (const line of conceptWords) {
      for (const w of line.trim().split('\t').slice(1, 3)) if (!(w.split('/')[0] in word2id)) throw new Error(`KeyError: ${w}`);
    }
  } else {
    // The fork inverts id → name and renumbers in file order; a repeated name keeps the last id.
    const rawToDense = new Map<string, number>();
    entity2id = new Map();
    orderedEntries(fs.readFileSync(path.join(dir, 'entity2id.json'), 'utf8')).forEach(([rawId, name], i) => {
      rawToDense.set(rawId, i);
      entity2id.set(name as string, i);
    });
    nEntity = rawToDense.size;
    const raw: Record<string, Array<[number, string]>> = readJson(dir, 'dbpedia_subkg.json');
    for (const [head, tails] of Object.entries(raw)) {
      const h = rawToDense.get(head);
      if (h === undefined) continue;
      const kept = tails.filter(([, t]) => rawToDense.has(t)).map(([r, t]): [number, number] => [r, rawToDense.get(t)!]);
      kg.set(h, kept);
    }
    const movieIds: Record<string, number> = readJson(dir, 'movie_ids.json');
    if (Array.isArray(movieIds)) throw new Error('movie_ids.json: the fork expects an object');
    itemEntityIds = Object.keys(movieIds).filter((k) => rawToDense.has(k)).map((k) => rawToDense.get(k)!);
    word2id = tok2ind; // the fork uses token2id as its word vocabulary
  }
  const id2entity = new Map([...entity2id].map(([name, id]) => [id, name]));
  const entityKg = processEntityKg(kg, nEntity, id2entity);

  const splits = {} as LoadedDataset['splits'];
  for (const name of ['train', 'valid', 'test'] as const) {
    const conversations: any[] = readJson(dir, `${name}_data.json`);
    const split: LoadedSplit = { conversations: conversations.length, rawGoldNames: 0, droppedMovieNames: [], droppedEntityNames: [], merged: [], samples: [] };
    for (const conversation of conversations) {
      const dialog: RawUtterance[] = flavor === 'upstream' ? conversation.dialog : conversation.conv;
      if (!Array.isArray(dialog)) throw new Error(`${name}_data.json: conversation ${conversation.conv_id} has no ${flavor === 'upstream' ? 'dialog' : 'conv'}`);
      const merged = mergeConversation(dialog, { tok2ind, unk: unkTokenIdx, entity2id, word2id }, split);
      split.merged.push(merged);
      split.samples.push(...augment(String(conversation.conv_id), merged));
    }
    splits[name] = split;
  }
  return { version, tok2ind, unkTokenIdx, entity2id, id2entity, nEntity, word2id, itemEntityIds, entityKg, splits };
}

/**
 * Recommendation samples (docs/metrics.md §1.1): one per gold item of each qualifying turn.
 * Upstream CRSLab fails when a gold item is not in the item list.
 */
export function recommendationSamples(dataset: LoadedDataset, split: 'train' | 'valid' | 'test', family: 'recommender-turns' | 'all-turns'): Array<Sample & { gold: number }> {
  const items = new Set(dataset.itemEntityIds);
  return dataset.splits[split].samples
    .filter((s) => s.items.length && (family === 'all-turns' || s.role === 'Recommender'))
    .flatMap((s) =>
      s.items.map((gold) => {
        if (!items.has(gold)) throw new Error(`gold item ${dataset.id2entity.get(gold)} (${gold}) is not in movie_ids`);
        return { ...s, gold };
      }),
    );
}
