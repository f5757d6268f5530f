/**
 * GPT-2 byte-level BPE token strings, as Hugging Face's `gpt2` tokenizer writes them
 * (`convert_ids_to_tokens(encode(text))`). gpt-tokenizer's r50k_base is GPT-2's vocabulary,
 * merges and pre-tokenisation regex; what it lacks is GPT-2's printable alphabet for bytes.
 */
import type { GptEncoding } from 'gpt-tokenizer/GptEncoding';

const END_OF_TEXT = '<|endoftext|>';
export const GPT2_VOCABULARY_SIZE = 50257;

/**
 * GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the other 68 bytes
 * (controls, space, …) map to U+0100 onwards in byte order, so space is `Ġ` and `\n` is `Ċ`.
 */
function byteAlphabet(): string[] {
  const alphabet: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    alphabet[b] = String.fromCharCode(printable ? b : next++);
  }
  return alphabet;
}

let cache: { encoding: GptEncoding; tokens: string[]; vocabulary: Map<string, number> } | undefined;

function load(): NonNullable<typeof cache> {
  if (cache) return cache;
  // Loaded on first use: the rank table is large and most commands never need it.
  const encoding: GptEncoding = require('gpt-tokenizer/encoding/r50k_base').default;
  const ranks: Array<string | number[]> = require('gpt-tokenizer/bpeRanks/r50k_base').default;
  const alphabet = byteAlphabet();
  // Ranks are token ids; an entry is the token's text, or its bytes when they are not UTF-8.
  const tokens = ranks.map((entry) => {
    const bytes = typeof entry === 'string' ? Buffer.from(entry, 'utf8') : entry;
    let token = '';
    for (const b of bytes) token += alphabet[b];
    return token;
  });
  tokens.push(END_OF_TEXT);
  const vocabulary = new Map(tokens.map((t, id) => [t, id]));
  if (tokens.length !== GPT2_VOCABULARY_SIZE || vocabulary.size !== GPT2_VOCABULARY_SIZE || vocabulary.get('Ġthe') !== 262) {
    throw new Error(`gpt-tokenizer's r50k_base is not the GPT-2 vocabulary (${tokens.length} tokens)`);
  }
  cache = { encoding, tokens, vocabulary };
  return cache;
}

const ENCODE_OPTIONS = { allowedSpecial: new Set([END_OF_TEXT]) };

/** Token ids as `GPT2TokenizerFast.encode(text)` (it adds no special tokens; `<|endoftext|>` in text is that token). */
export function gpt2Encode(text: string): number[] {
  return load().encoding.encode(text, ENCODE_OPTIONS);
}

export function gpt2Tokens(text: string): string[] {
  const { tokens } = load();
  return gpt2Encode(text).map((id) => tokens[id]);
}

/** token2id of the GPT-2 vocabulary, 50,257 entries in id order. */
export function gpt2Vocabulary(): Map<string, number> {
  return load().vocabulary;
}
