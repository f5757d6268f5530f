import { parseRatings } from '../../../../src/ingest/ratings';

describe('ratings files', () => {
  test('CSV with a header (any column order, aliases, quoted fields) and JSONL give the same records', () => {
    const csv = 'rater,score,criterion,dialogue_id\nann1,2,fluency,"llm-redial:Movie:1"\n\n"ann ""2""",1.5,coherence,RGlhbG9ndWU6MQ==\n';
    expect(parseRatings(csv, 'r.csv')).toEqual([
      { line: 2, dialogue: 'llm-redial:Movie:1', criterion: 'fluency', rater: 'ann1', score: 2 },
      { line: 4, dialogue: 'RGlhbG9ndWU6MQ==', criterion: 'coherence', rater: 'ann "2"', score: 1.5 },
    ]);
    const jsonl = '{"dialogue": "RGlhbG9ndWU6MQ==", "criterion": "fluency", "annotator": "a", "score": 0}\n';
    expect(parseRatings(jsonl, 'r.jsonl')).toEqual([{ line: 1, dialogue: 'RGlhbG9ndWU6MQ==', criterion: 'fluency', rater: 'a', score: 0 }]);
  });

  test('problems read file:line: field: problem', () => {
    expect(() => parseRatings('dialogue,criterion,score\nx,fluency,1\n', 'r.csv')).toThrow('r.csv:1: header: no "rater" column (the header has "dialogue", "criterion", "score")');
    expect(() => parseRatings('dialogue,criterion,rater,score\nx,fluency,a\n', 'r.csv')).toThrow('r.csv:2: line: expected 4 fields as in the header, got 3');
    expect(() => parseRatings('dialogue,criterion,rater,score\nx,Fluency,a,1\n', 'r.csv')).toThrow('r.csv:2: criterion: "Fluency" is not a criterion key');
    expect(() => parseRatings('dialogue,criterion,rater,score\nx,fluency,a,\n', 'r.csv')).toThrow('r.csv:2: score: missing');
    expect(() => parseRatings('{"dialogue": "x", "criterion": "fluency", "rater": "a", "score": 1}\n{oops\n', 'r.jsonl')).toThrow(/^r\.jsonl:2: line: not JSON/);
    expect(() => parseRatings('{"criterion": "fluency", "rater": "a", "score": 1}\n', 'r.jsonl')).toThrow('r.jsonl:1: dialogue: missing');
  });
});
