/**
 * The Llama-3.1/3.3 instruct chat template as DistillRecDial's prompts, SFT records and released
 * dialogues use it (docs/formats.md §3.1): render and parse, each the exact inverse of the other for
 * trimmed contents.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ParsedChat {
  /** The system message without the template's date lines; null when it is empty. */
  system: string | null;
  /** The messages after the system block, in order (contents trimmed). */
  messages: ChatMessage[];
  /** Whether the string ends with an open assistant header (a prompt asking for a reply). */
  generationPrompt: boolean;
}

export const BEGIN_OF_TEXT = '<|begin_of_text|>';
export const START_HEADER = '<|start_header_id|>';
export const END_HEADER = '<|end_header_id|>';
export const EOT = '<|eot_id|>';
/** DistillRecDial's recommendation marker (docs/formats.md §3.6). */
export const RECOMMENDATION_MARKER = '<|reserved_special_token_10|>';

/** The two lines the template puts before every system message (rule 2). */
export const SYSTEM_PREAMBLE = 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n';

const GENERATION_PROMPT = `${START_HEADER}assistant${END_HEADER}\n\n`;
const MESSAGE = /<\|start_header_id\|>(system|user|assistant)<\|end_header_id\|>\n\n([\s\S]*?)<\|eot_id\|>/g;
const STRUCTURAL_TOKENS = [BEGIN_OF_TEXT, START_HEADER, END_HEADER, EOT];

/** The text does not follow the template; `position` is a 0-based index into it. */
export class ChatTemplateError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} (at character ${position})`);
    this.name = 'ChatTemplateError';
  }
}

/**
 * Renders messages. A leading `system` message becomes the system block; without one the block
 * is still written, empty, as the template does. Contents are trimmed. With `generationPrompt`
 * an open assistant header is appended. Contents that contain the template's structural tokens
 * are refused, since the result could not be parsed back.
 */
export function renderChatTemplate(messages: readonly ChatMessage[], options: { generationPrompt?: boolean } = {}): string {
  const [first, ...rest] = messages;
  const hasSystem = first !== undefined && first.role === 'system';
  const system = hasSystem ? checkedContent(first, 0) : '';
  let out = `${BEGIN_OF_TEXT}${START_HEADER}system${END_HEADER}\n\n${SYSTEM_PREAMBLE}${system}${EOT}`;
  (hasSystem ? rest : messages).forEach((message, i) => {
    out += `${START_HEADER}${message.role}${END_HEADER}\n\n${checkedContent(message, i + (hasSystem ? 1 : 0))}${EOT}`;
  });
  if (options.generationPrompt) out += GENERATION_PROMPT;
  return out;
}

function checkedContent(message: ChatMessage, index: number): string {
  if (message.role !== 'system' && message.role !== 'user' && message.role !== 'assistant') {
    throw new Error(`message ${index}: unknown role '${String(message.role)}'`);
  }
  const content = message.content.trim();
  const token = STRUCTURAL_TOKENS.find((t) => content.includes(t));
  if (token) throw new Error(`message ${index} (${message.role}) contains the template token ${token}`);
  return content;
}

/**
 * Parses a chat string (rules 1, 2 and 5): it must start with `<|begin_of_text|>` and contain
 * it only there; the first message must be the system block with its two date lines, which are
 * removed; every message's content is trimmed; text between or after messages may only be
 * whitespace, except one final open assistant header (the generation prompt).
 */
export function parseChatTemplate(text: string): ParsedChat {
  if (!text.startsWith(BEGIN_OF_TEXT)) throw new ChatTemplateError(0, `the text must start with ${BEGIN_OF_TEXT}`);
  const again = text.indexOf(BEGIN_OF_TEXT, BEGIN_OF_TEXT.length);
  if (again >= 0) throw new ChatTemplateError(again, `${BEGIN_OF_TEXT} occurs more than once`);

  const blocks: Array<{ role: ChatRole; content: string; at: number }> = [];
  let pos = BEGIN_OF_TEXT.length;
  MESSAGE.lastIndex = pos;
  for (let m = MESSAGE.exec(text); m !== null; m = MESSAGE.exec(text)) {
    assertBlank(text, pos, m.index);
    const nested = m[2].search(/<\|start_header_id\|>|<\|end_header_id\|>/);
    if (nested >= 0) {
      const contentAt = m.index + m[0].length - EOT.length - m[2].length;
      throw new ChatTemplateError(contentAt + nested, `the ${m[1]} message is not closed by ${EOT} before the next header`);
    }
    blocks.push({ role: m[1] as ChatRole, content: m[2], at: m.index });
    pos = m.index + m[0].length;
  }
  let generationPrompt = false;
  const tail = text.slice(pos);
  const promptAt = tail.indexOf(GENERATION_PROMPT);
  if (promptAt >= 0 && tail.slice(0, promptAt).trim() === '' && tail.slice(promptAt + GENERATION_PROMPT.length).trim() === '') {
    generationPrompt = true;
  } else {
    assertBlank(text, pos, text.length);
  }

  const [first, ...rest] = blocks;
  if (first === undefined || first.role !== 'system') {
    throw new ChatTemplateError(first?.at ?? BEGIN_OF_TEXT.length, 'the first message must be the system block');
  }
  if (!first.content.startsWith(SYSTEM_PREAMBLE)) {
    throw new ChatTemplateError(
      first.at,
      "the system block must begin with 'Cutting Knowledge Date: December 2023', 'Today Date: 26 Jul 2024' and an empty line",
    );
  }
  const system = first.content.slice(SYSTEM_PREAMBLE.length).trim();
  return {
    system: system === '' ? null : system,
    messages: rest.map((b) => ({ role: b.role, content: b.content.trim() })),
    generationPrompt,
  };
}

function assertBlank(text: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (!/\s/.test(text[i])) {
      const snippet = text.slice(i, Math.min(to, i + 40));
      throw new ChatTemplateError(i, `text outside any message: ${JSON.stringify(snippet)}`);
    }
  }
}
