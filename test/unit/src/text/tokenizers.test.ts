import { getTokenizer, wordTokens } from '../../../../src/text/tokenizers';
import { gpt2Encode } from '../../../../src/text/gpt2';

describe('gpt2 tokenizer (Hugging Face gpt2)', () => {
  const gpt2 = getTokenizer('gpt2');

  it('encodes "Hello world" to the ids and token strings Hugging Face gives', () => {
    expect(gpt2Encode('Hello world')).toEqual([15496, 995]);
    expect(gpt2.tokenize('Hello world')).toEqual(['Hello', 'Ġworld']);
  });

  it('writes a leading space as Ġ and a newline as Ċ', () => {
    expect(gpt2.tokenize(' I love this movie\n')).toEqual(['ĠI', 'Ġlove', 'Ġthis', 'Ġmovie', 'Ċ']);
  });

  it("splits contractions with GPT-2's pre-tokenisation regex", () => {
    expect(gpt2.tokenize("don't")).toEqual(['don', "'t"]);
  });

  it('keeps <|endoftext|> in text as the special token, as the Hugging Face tokenizer does', () => {
    expect(gpt2Encode('<|endoftext|>')).toEqual([50256]);
  });

  it('maps bytes that are not UTF-8 text to the byte alphabet (é is two bytes Ã©)', () => {
    // "é" is C3 A9: both bytes are printable Latin-1, so they stand for themselves.
    expect(gpt2.tokenize('é').join('')).toBe('Ã©');
  });

  it('has the whole 50,257-entry vocabulary with the known ids', () => {
    const vocab = gpt2.vocabulary!();
    expect(vocab.size).toBe(50257);
    expect(vocab.get('!')).toBe(0);
    expect(vocab.get('&')).toBe(5);
    expect(vocab.get('Ġthe')).toBe(262);
    expect(vocab.get('Hello')).toBe(15496);
    expect(vocab.get('Ġworld')).toBe(995);
    expect(vocab.get('<|endoftext|>')).toBe(50256);
    // Ids are the positions: iterating the map is id order.
    expect([...vocab.values()].every((id, position) => id === position)).toBe(true);
  });

  it('every token it emits is in its vocabulary', () => {
    const vocab = gpt2.vocabulary!();
    const tokens = gpt2.tokenize('Amélie — naïve 東京 🎬 tabs\tand  double spaces\r\n');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.filter((t) => !vocab.has(t))).toEqual([]);
  });
});

describe('bert tokenizer (bert-base-uncased)', () => {
  const bert = getTokenizer('bert');

  it('lower-cases and splits punctuation off', () => {
    expect(bert.tokenize('Hello, World!')).toEqual(['hello', ',', 'world', '!']);
  });

  it('splits unknown words into greedy longest-first word pieces', () => {
    expect(bert.tokenize('unaffable')).toEqual(['una', '##ffa', '##ble']);
  });

  it('strips accents before WordPiece (vocab.txt has `amelie` as a whole word, id 25285)', () => {
    expect(bert.tokenize('Amélie')).toEqual(['amelie']);
    expect(bert.tokenize('NAÏVE Café')).toEqual(['naive', 'cafe']);
    expect(bert.vocabulary!().get('amelie')).toBe(25285);
  });

  it("treats ASCII symbols as punctuation (Python's definition) and spaces CJK ideographs", () => {
    expect(bert.tokenize("don't $5")).toEqual(['don', "'", 't', '$', '5']);
    expect(bert.tokenize('東京')).toEqual(['東', '京']);
  });

  it('turns a word of more than 100 characters, or one with no pieces, into [UNK]', () => {
    expect(bert.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    expect(bert.tokenize('x 🎬 y')).toEqual(['x', '[UNK]', 'y']);
  });

  it('keeps special tokens written in the text whole', () => {
    expect(bert.tokenize('hi [SEP] there')).toEqual(['hi', '[SEP]', 'there']);
  });

  it("rebuilds vocab.txt's 30,522 entries with the known ids", () => {
    const vocab = bert.vocabulary!();
    expect(vocab.size).toBe(30522);
    const anchors: Record<string, number> = {
      '[PAD]': 0, '[unused0]': 1, '[unused1]': 2, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103,
      '!': 999, the: 1996, '##s': 2015, '##ing': 2075, hello: 7592, world: 2088, movie: 3185,
    };
    for (const [token, id] of Object.entries(anchors)) expect([token, vocab.get(token)]).toEqual([token, id]);
  });
});

describe('word tokenizer (docs/formats.md §8.8)', () => {
  it('keeps letter/digit runs with internal apostrophes; every other character is a token', () => {
    expect(wordTokens("I don't like Paddington 2... (really)")).toEqual(['I', "don't", 'like', 'Paddington', '2', '.', '.', '.', '(', 'really', ')']);
  });

  it('keeps case and accents', () => {
    expect(getTokenizer('word').tokenize('Amélie’s café')).toEqual(['Amélie’s', 'café']);
  });

  it('the whitespace tokenizer splits on whitespace only', () => {
    expect(getTokenizer('whitespace').tokenize('  I loved\tPaddington.\n')).toEqual(['I', 'loved', 'Paddington.']);
  });
});
