/**
 * What a document reads, per type, computed once per cached plan (src/server/fast-lane): which
 * columns of `dialogues` and `items` its fields need, and which children of a dialogue it selects.
 * The loaders and the dialogue pages use these hints to select only those columns and to fetch a
 * dialogue's turns, mentions and items inside the statement that reads the dialogue (json_agg),
 * priming the loaders, instead of one statement per child (issue 13).
 *
 * The hints are per document, not per path: a type's column list is the union of its fields
 * anywhere in the document, so an object primed into a loader always has every column that any
 * resolver of this request may read. A field the maps below do not know (a field added later)
 * means "every column", so a new field can never meet a half-filled object. Without hints
 * (Apollo's path, graphql-ws, the CLI) everything reads every column, as before.
 */
import { DocumentNode, GraphQLSchema, isAbstractType, TypeInfo, visit, visitWithTypeInfo } from 'graphql';

export interface ReadHints {
  /** Select list for `dialogues d` (without prefetches); undefined: every column. */
  dialogueColumns?: string;
  /** Select list for `items i`; undefined: every column. */
  itemColumns?: string;
  /** Fetch these children of dialogues with the dialogue rows. */
  prefetch?: { turns: boolean; mentions: boolean; targetItem: boolean; mentionItems: boolean };
}

const DIALOGUE_FIELD_COLUMNS: Record<string, readonly string[]> = {
  __typename: [],
  id: [],
  dataset: ['dataset'],
  domain: ['domain'],
  split: ['split'],
  source: ['source'],
  status: ['status'],
  strategy: ['strategy'],
  model: ['model'],
  targetAsin: ['target_raw_id'],
  version: ['version'],
  createdAt: ['created_at'],
  stereotype: ['stereotype_id'],
  user: ['user_id'],
  targetItem: ['target_item_id'],
  turns: [],
  recommendedItems: [],
  mentionedItems: [],
  unresolvedItemIds: [],
  rejectionReasons: ['rejection_reasons'],
  rejections: ['rejection_reasons'],
  warnings: ['warnings'],
  supersedes: ['supersedes_id'],
  supersededBy: [],
  provenance: ['source'],
};

const ITEM_FIELD_COLUMNS: Record<string, readonly string[]> = {
  __typename: [],
  id: [],
  asin: [],
  domain: ['domain'],
  title: ['title'],
  cleanedTitle: ['cleaned_title'],
  genres: ['genres'],
  keywords: ['keywords'],
  cast: ['"cast"'],
  directors: ['directors'],
  overview: ['overview'],
  collection: ['collection'],
  countries: ['countries'],
  visualCaption: ['visual_caption'],
  description: ['description'],
  features: ['features'],
  categories: ['categories'],
  details: ['details'],
  dialogues: [],
};

/** Columns a type's fields need; null when a field is not in the map (then: every column). */
function columnsFor(fields: Set<string>, map: Record<string, readonly string[]>, always: string[], alias: string): string | undefined {
  const columns = new Set(always);
  for (const field of fields) {
    const needed = map[field];
    if (!needed) return undefined;
    for (const c of needed) columns.add(c);
  }
  return [...columns].map((c) => `${alias}.${c}`).join(', ');
}

export function readHintsOf(schema: GraphQLSchema, document: DocumentNode): ReadHints {
  const fieldsByType = new Map<string, Set<string>>();
  const add = (type: string, field: string) => {
    let set = fieldsByType.get(type);
    if (!set) fieldsByType.set(type, (set = new Set()));
    set.add(field);
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        // A field asked on an interface (Node.id) is asked of every type that implements it.
        const types = isAbstractType(parent) ? schema.getPossibleTypes(parent).map((t) => t.name) : [parent.name];
        for (const type of types) add(type, node.name.value);
      },
    }),
  );
  const dialogue = fieldsByType.get('Dialogue') ?? new Set<string>();
  const item = fieldsByType.get('Item') ?? new Set<string>();
  const turn = fieldsByType.get('Turn') ?? new Set<string>();
  const mention = fieldsByType.get('ItemMention') ?? new Set<string>();
  return {
    // `source` and the ids the field resolvers follow are cheap; the jsonb columns are not.
    dialogueColumns: columnsFor(dialogue, DIALOGUE_FIELD_COLUMNS, ['id'], 'd'),
    itemColumns: columnsFor(item, ITEM_FIELD_COLUMNS, ['id', 'asin'], 'i'),
    prefetch: {
      turns: dialogue.has('turns'),
      mentions: turn.has('mentions') || dialogue.has('recommendedItems') || dialogue.has('mentionedItems') || dialogue.has('unresolvedItemIds'),
      targetItem: dialogue.has('targetItem'),
      mentionItems: mention.has('item') || dialogue.has('recommendedItems') || dialogue.has('mentionedItems'),
    },
  };
}
