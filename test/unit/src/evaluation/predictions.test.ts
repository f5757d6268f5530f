import { ImportError } from '../../../../src/ingest/errors';
import { toGlobalId } from '../../../../src/pagination/global-id';
import { parseDialogueId, RankedResolver, readPredictions, stringLines } from '../../../../src/evaluation/predictions';
import { ItemList } from '../../../../src/evaluation/recommendation';

const items = new ItemList(['B0001', 'B0002', 'B0003', 'B0004', 'B0005']);
const titles = ['Inception', 'The Dark Knight', 'The Dark Knight Rises', 'Paddington', 'Paddington 2'];

function read(text: string, rankedBy: 'asin' | 'title' = 'asin') {
  return readPredictions(stringLines(text), 'preds.jsonl', new RankedResolver(items, rankedBy, titles), rankedBy);
}

async function errorOf(text: string, rankedBy: 'asin' | 'title' = 'asin'): Promise<ImportError> {
  try {
    await read(text, rankedBy);
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

describe('dialogue ids', () => {
  test('a Dialogue global id, a number or a string of digits', () => {
    expect(parseDialogueId(toGlobalId('Dialogue', 123))).toBe(123);
    expect(parseDialogueId(123)).toBe(123);
    expect(parseDialogueId('123')).toBe(123);
  });
  test('another type’s global id is refused', () => {
    expect(() => parseDialogueId(toGlobalId('Item', 5))).toThrow('dialogueId: "SXRlbTo1" is a Item id, expected a Dialogue id');
  });
});

describe('reading predictions', () => {
  test('ASINs map to item-list positions; unknown ones are dropped and counted; repeats keep the first place', async () => {
    const set = await read(
      [
        JSON.stringify({ dialogueId: toGlobalId('Dialogue', 7), turnIndex: 3, ranked: ['B0003', 'NOPE', 'B0001', 'B0003'] }),
        '',
        JSON.stringify({ dialogueId: 7, turnIndex: 5, ranked: ['B0002', 'B0004'], scores: [0.1, 0.9] }),
      ].join('\n'),
    );
    expect(set.lines).toBe(2);
    expect(set.unmatched).toBe(1);
    expect(set.byDialogue.get(7)!.get(3)).toMatchObject({ line: 1, ranking: { ranked: [2, 0] }, unmatched: 1 });
    // Scores reorder the list: B0004 (.9) before B0002 (.1).
    expect(set.byDialogue.get(7)!.get(5)!.ranking.ranked).toEqual([3, 1]);
  });

  test('titles resolve by fuzzy matching (docs/metrics.md §2 worked example)', async () => {
    const set = await read(JSON.stringify({ dialogueId: 1, turnIndex: 1, ranked: ['Incepton (2010)', 'The Dark Night', 'Paddington 3', 'Dunkirk'] }), 'title');
    // Dunkirk is 8 edits from its nearest title: filtered out.
    expect(set.byDialogue.get(1)!.get(1)).toMatchObject({ ranking: { ranked: [0, 1, 4] }, unmatched: 1 });
  });

  test('a title with a comma stays one entry', async () => {
    const set = await readPredictions(
      stringLines(JSON.stringify({ dialogueId: 1, turnIndex: 1, ranked: ['Crouching Tiger, Hidden Dragon'] })),
      'p.jsonl',
      new RankedResolver(new ItemList(['X', 'Y']), 'title', ['Hidden', 'Crouching Tiger, Hidden Dragon']),
      'title',
    );
    expect(set.byDialogue.get(1)!.get(1)!.ranking.ranked).toEqual([1]);
  });

  test.each([
    ['not JSON', '{"dialogueId": 1,', 1, '(json)'],
    ['an array', '[1, 2]', 1, '(record)'],
    ['no dialogueId', '{"turnIndex": 1, "ranked": []}', 1, 'dialogueId'],
    ['a bad dialogueId', '{"dialogueId": "nope", "turnIndex": 1, "ranked": []}', 1, 'dialogueId'],
    ['a negative turnIndex', '{"dialogueId": 1, "turnIndex": -1, "ranked": []}', 1, 'turnIndex'],
    ['ranked not an array', '{"dialogueId": 1, "turnIndex": 1, "ranked": "B0001"}', 1, 'ranked'],
    ['a number in ranked', '{"dialogueId": 1, "turnIndex": 1, "ranked": ["B0001", 2]}', 1, 'ranked[1]'],
    ['misaligned scores', '{"dialogueId": 1, "turnIndex": 1, "ranked": ["B0001"], "scores": [1, 2]}', 1, 'scores'],
    ['an empty gold', '{"dialogueId": 1, "turnIndex": 1, "ranked": [], "gold": []}', 1, 'gold'],
    ['a bad role', '{"dialogueId": 1, "turnIndex": 1, "ranked": [], "role": "user"}', 1, 'role'],
  ])('%s: the error names the line and the field', async (_name, line, lineNo, field) => {
    const good = '{"dialogueId": 9, "turnIndex": 1, "ranked": ["B0001"]}';
    const error = await errorOf(`${good}\n\n${line}\n${good}`);
    expect(error.line).toBe(lineNo + 2);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^preds\\.jsonl:${lineNo + 2}: ${field.replace(/[()[\]]/g, '\\$&')}: `));
  });

  test('a second prediction for the same turn names both lines', async () => {
    const error = await errorOf('{"dialogueId": 4, "turnIndex": 2, "ranked": []}\n{"dialogueId": "4", "turnIndex": 2, "ranked": []}');
    expect(error.message).toBe('preds.jsonl:2: turnIndex: a second prediction for dialogue 4 turn 2 (the first is on line 1)');
  });

  test('… naming the dialogue by the global id the file gives, not the database id behind it', async () => {
    const id = Buffer.from('Dialogue:4').toString('base64url');
    const error = await errorOf(`{"dialogueId": 4, "turnIndex": 2, "ranked": []}\n{"dialogueId": "${id}", "turnIndex": 2, "ranked": []}`);
    expect(error.message).toBe(`preds.jsonl:2: turnIndex: a second prediction for dialogue ${id} turn 2 (the first is on line 1)`);
  });

  test('scores cannot be combined with titles', async () => {
    const error = await errorOf('{"dialogueId": 4, "turnIndex": 2, "ranked": ["Inception"], "scores": [1]}', 'title');
    expect(error.field).toBe('scores');
  });
});
