import { assignEntityNames, compareEntityKeys, CrslabEntity, CrslabEntityType } from '../../../../../src/export/crslab/entities';
import { EntityMatcher } from '../../../../../src/export/crslab/entity-matcher';
import { pythonJson, pythonJsonObject } from '../../../../../src/export/crslab/json';
import { checkBuiltMarker } from '../../../../../src/export/crslab/self-check';
import { processEntityKg } from '../../../../support/crslab-loader';

function entity(id: number, type: CrslabEntityType, key: string, baseName: string): CrslabEntity {
  return { id, type, key, rawId: key, baseName, name: baseName, sourceId: id };
}

describe('dense order (docs/formats.md §8.7)', () => {
  it('pad, items by ASIN, then people, genres, keywords by numeric TMDB id', () => {
    const keys: Array<{ type: CrslabEntityType; key: string }> = [
      { type: 'keyword', key: 'keyword:9' },
      { type: 'genre', key: 'genre:35' },
      { type: 'person', key: 'person:1000' },
      { type: 'person', key: 'person:99' },
      { type: 'item', key: 'item:B0FAKE0003' },
      { type: 'item', key: 'item:6300000001' },
      { type: 'pad', key: 'pad:0' },
    ];
    expect([...keys].sort(compareEntityKeys).map((k) => k.key)).toEqual([
      'pad:0', 'item:6300000001', 'item:B0FAKE0003', 'person:99', 'person:1000', 'genre:35', 'keyword:9',
    ]);
  });
});

describe('canonical names', () => {
  it('suffixes every colliding name but the first in dense order with its raw id; case-different names do not collide', () => {
    const names = assignEntityNames([
      { baseName: '<pad>', rawId: 'pad:0' },
      { baseName: 'Paddington', rawId: 'item:B0FAKE0001' },
      { baseName: 'Paddington', rawId: 'item:B0FAKE0009' },
      { baseName: 'War', rawId: 'genre:10752' },
      { baseName: 'war', rawId: 'keyword:1956' },
      { baseName: 'Paddington', rawId: 'keyword:77' },
    ]);
    expect(names).toEqual(['<pad>', 'Paddington', 'Paddington [item:B0FAKE0009]', 'War', 'war', 'Paddington [keyword:77]']);
  });
});

describe('KG entity matcher', () => {
  const war = entity(5, 'genre', 'genre:10752', 'War');
  const warKeyword = entity(9, 'keyword', 'keyword:1956', 'war');
  const ben = entity(3, 'person', 'person:501', 'Ben Whishaw');
  const benW = entity(4, 'person', 'person:502', 'Ben');
  const it2 = entity(6, 'keyword', 'keyword:1', 'It');

  it('matches whole words case-insensitively and writes the canonical name of the best entity', () => {
    const matcher = new EntityMatcher([war, warKeyword, ben, benW, it2]);
    // "war" spelled as the keyword → keyword; "War" → genre; "WAR" → the first in dense order (genre).
    expect(matcher.find('a film about war').map((e) => e.name)).toEqual(['war']);
    expect(matcher.find('War films').map((e) => e.name)).toEqual(['War']);
    expect(matcher.find('WAR!').map((e) => e.name)).toEqual(['War']);
    // Whole words only: "warm", "Swarm" do not contain "war".
    expect(matcher.find('a warm Swarm')).toEqual([]);
  });

  it('takes the longest name where several start at the same place, without overlaps, each entity once', () => {
    const matcher = new EntityMatcher([ben, benW]);
    expect(matcher.find('ben whishaw is great; Ben too, and Ben Whishaw again').map((e) => e.name)).toEqual(['Ben Whishaw', 'Ben']);
  });

  it('ignores names shorter than three characters', () => {
    expect(new EntityMatcher([it2]).find('It was good')).toEqual([]);
  });

  it('finds the same entities whether or not lower-casing changes the text’s length', () => {
    const names = ['Amélie', 'Jean-Pierre Jeunet', 'Jean', 'Drama', 'Spider-Man', 'Man', 'Paris'];
    const matcher = new EntityMatcher(names.map((n, i) => entity(10 + i, 'keyword', `keyword:${i}`, n)));
    const text = 'Jean-Pierre Jeunet made Amélie, a drama in PARIS; spider-man is not in it, Man.';
    const expected = ['Jean-Pierre Jeunet', 'Amélie', 'Drama', 'Paris', 'Spider-Man', 'Man'];
    expect(matcher.find(text).map((e) => e.name)).toEqual(expected);
    // 'İ' lower-cases to two code units, so this text takes the regular-expression path.
    expect(matcher.find(`İ ${text}`).map((e) => e.name)).toEqual(expected);
  });
});

describe('JSON as Python writes it', () => {
  it('uses Python separators and keeps integer-like keys in order', () => {
    expect(pythonJson({ conv_id: 0, dialog: [{ a: ['x', 'é'] }] })).toBe('{"conv_id": 0, "dialog": [{"a": ["x", "é"]}]}');
    expect(pythonJsonObject([['10', [[0, 5]]], ['2', []]])).toBe('{"10": [[0, 5]], "2": []}');
  });
});

describe('.built check (R6)', () => {
  it('accepts the version on line 2 and refuses another version or a carriage return', () => {
    expect(checkBuiltMarker('2025-05-16 10:22:33.123456\n0.31', '0.31')).toEqual([]);
    expect(checkBuiltMarker('2025-05-16 10:22:33\n0.1', '0.31')).toHaveLength(1);
    expect(checkBuiltMarker('2025-05-16 10:22:33\r\n0.31', '0.31')).toHaveLength(1);
  });
});

describe("the test loader's KG processing (CRSLab _entity_kg_process)", () => {
  it('adds self-loops, doubles triples, drops relations with ≤ 1,000 edges and renumbers the rest', () => {
    // 501 heads with one has_acting triple each to tail 0: 1,002 acting edges (kept), 501 self-loops (dropped);
    // head 1 also has one genre triple: 2 edges (dropped).
    const kg = new Map<number, Array<[number, number]>>();
    const id2entity = new Map<number, string>([[0, 'tail']]);
    for (let h = 1; h <= 501; h++) {
      kg.set(h, [[0, 0]]);
      id2entity.set(h, `h${h}`);
    }
    kg.get(1)!.push([1, 0]);
    const processed = processEntityKg(kg, 502, id2entity);
    expect(processed.nRelation).toBe(1);
    expect(processed.edge).toHaveLength(1002);
    expect(processed.edge.every(([, , r]) => r === 0)).toBe(true);
    expect(processed.entity).toHaveLength(502);
  });
});
