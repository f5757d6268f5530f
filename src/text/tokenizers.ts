import { bertVocabulary, bertWordPieces } from './bert';
import { gpt2Tokens, gpt2Vocabulary } from './gpt2';

/** A tokenizer as the exports and statistics use it: text in, token strings out. */
export interface Tokenizer {
  name: TokenizerName;
  tokenize(text: string): string[];
  /** The tokenizer's own vocabulary (token → id), for those that have one (gpt2, bert). */
  vocabulary?(): Map<string, number>;
}

export type TokenizerName = 'gpt2' | 'bert' | 'word' | 'whitespace';

export const TOKENIZER_NAMES: readonly TokenizerName[] = ['gpt2', 'bert', 'word', 'whitespace'];

// docs/formats.md §8.8 `word`: letter/digit runs (combining marks stay with their letter) with
// internal apostrophes kept (`don't`); any other non-space character is a token of its own.
const WORD_TOKEN = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*|[^\s]/gu;

/** The `word` tokenization (CRSLab's `nltk`), case kept. */
export function wordTokens(text: string): string[] {
  return text.match(WORD_TOKEN) ?? [];
}

export function whitespaceTokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t !== '');
}

const TOKENIZERS: Record<TokenizerName, Tokenizer> = {
  gpt2: { name: 'gpt2', tokenize: gpt2Tokens, vocabulary: gpt2Vocabulary },
  bert: { name: 'bert', tokenize: bertWordPieces, vocabulary: bertVocabulary },
  word: { name: 'word', tokenize: wordTokens },
  whitespace: { name: 'whitespace', tokenize: whitespaceTokens },
};

/**
 * `gpt2`: Hugging Face `gpt2` token strings; `bert`: `bert-base-uncased` WordPiece pieces;
 * `word`: docs/formats.md §8.8; `whitespace`: split on whitespace. The model files load on first use.
 */
export function getTokenizer(name: TokenizerName): Tokenizer {
  const tokenizer = TOKENIZERS[name];
  if (!tokenizer) throw new Error(`unknown tokenizer ${JSON.stringify(name)}; expected one of ${TOKENIZER_NAMES.join(', ')}`);
  return tokenizer;
}
