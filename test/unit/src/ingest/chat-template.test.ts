import {
  ChatTemplateError,
  type ChatMessage,
  parseChatTemplate,
  renderChatTemplate,
} from '../../../../src/ingest/chat-template';

const HEAD = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n';

// The SFT example of docs/formats.md §3.4, byte for byte.
const SFT_TEXT =
  '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n{stereotype system prompt}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n{profile prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n[USR]: Hi! ...\n[AI]: ... <id_B0FAKE0003> ...<|eot_id|>';

const SFT_MESSAGES: ChatMessage[] = [
  { role: 'system', content: '{stereotype system prompt}' },
  { role: 'user', content: '{profile prompt}' },
  { role: 'assistant', content: '[USR]: Hi! ...\n[AI]: ... <id_B0FAKE0003> ...' },
];

function errorOf(text: string): ChatTemplateError {
  try {
    parseChatTemplate(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ChatTemplateError);
    return error as ChatTemplateError;
  }
  throw new Error('expected a parse error');
}

describe('renderChatTemplate', () => {
  it('renders the SFT example exactly', () => {
    expect(renderChatTemplate(SFT_MESSAGES)).toBe(SFT_TEXT);
  });

  it('trims contents and appends a generation prompt on request', () => {
    const text = renderChatTemplate(
      [
        { role: 'system', content: '  You recommend movies.\n' },
        { role: 'user', content: '\n\nProfile: likes bears.  ' },
      ],
      { generationPrompt: true },
    );
    expect(text).toBe(
      `${HEAD}You recommend movies.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nProfile: likes bears.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    );
  });

  it('writes an empty system block when there is no system message, as the template does', () => {
    expect(renderChatTemplate([{ role: 'user', content: 'Hi' }])).toBe(
      `${HEAD}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>`,
    );
  });

  it('refuses contents that would break the structure', () => {
    expect(() => renderChatTemplate([{ role: 'user', content: 'a <|eot_id|> b' }])).toThrow(/contains the template token <\|eot_id\|>/);
    expect(() => renderChatTemplate([{ role: 'user', content: '<|begin_of_text|>' }])).toThrow(/template token/);
  });

  it('keeps the recommendation marker, which is ordinary text for the template', () => {
    const text = renderChatTemplate([{ role: 'assistant', content: 'Try <|reserved_special_token_10|> Paddington 2.' }]);
    expect(parseChatTemplate(text).messages).toEqual([{ role: 'assistant', content: 'Try <|reserved_special_token_10|> Paddington 2.' }]);
  });
});

describe('parseChatTemplate', () => {
  it('parses the SFT example, removing the date lines from the system message', () => {
    expect(parseChatTemplate(SFT_TEXT)).toEqual({
      system: '{stereotype system prompt}',
      messages: SFT_MESSAGES.slice(1),
      generationPrompt: false,
    });
  });

  it('recognises a generation prompt at the end', () => {
    const prompt = renderChatTemplate(SFT_MESSAGES.slice(0, 2), { generationPrompt: true });
    expect(parseChatTemplate(prompt)).toEqual({ system: '{stereotype system prompt}', messages: [SFT_MESSAGES[1]], generationPrompt: true });
  });

  it('reads an empty system message as null', () => {
    expect(parseChatTemplate(`${HEAD}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>`)).toEqual({
      system: null,
      messages: [{ role: 'user', content: 'Hi' }],
      generationPrompt: false,
    });
  });

  it('keeps multi-line contents and trims them', () => {
    const text = `${HEAD}sys<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n  line 1\n\nline 2\n<|eot_id|>\n`;
    expect(parseChatTemplate(text).messages).toEqual([{ role: 'assistant', content: 'line 1\n\nline 2' }]);
  });

  it('round-trips rendered messages', () => {
    const cases: ChatMessage[][] = [
      SFT_MESSAGES,
      [
        { role: 'system', content: 'You are a friendly movie and TV recommender.' },
        { role: 'user', content: 'Hi! I loved Amélie and “Léon”.' },
        { role: 'assistant', content: 'You might enjoy <|reserved_special_token_10|> Paddington 2 🐻.' },
        { role: 'user', content: 'Thanks!' },
        { role: 'system', content: 'A later system note.' },
      ],
    ];
    for (const messages of cases) {
      for (const generationPrompt of [false, true]) {
        const text = renderChatTemplate(messages, { generationPrompt });
        const parsed = parseChatTemplate(text);
        expect(parsed).toEqual({ system: messages[0].content, messages: messages.slice(1), generationPrompt });
        expect(renderChatTemplate([{ role: 'system', content: parsed.system ?? '' }, ...parsed.messages], { generationPrompt })).toBe(text);
      }
    }
  });

  it('requires <|begin_of_text|> at the start, exactly once', () => {
    expect(errorOf(SFT_TEXT.slice('<|begin_of_text|>'.length))).toMatchObject({ position: 0, reason: 'the text must start with <|begin_of_text|>' });
    expect(errorOf(` ${SFT_TEXT}`).position).toBe(0);
    const twice = SFT_TEXT.replace('{profile prompt}', '<|begin_of_text|>');
    expect(errorOf(twice)).toMatchObject({ position: twice.lastIndexOf('<|begin_of_text|>'), reason: '<|begin_of_text|> occurs more than once' });
  });

  it('requires the system block first, with both date lines and the empty line', () => {
    expect(errorOf('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>').reason).toBe('the first message must be the system block');
    expect(errorOf('<|begin_of_text|>').reason).toBe('the first message must be the system block');
    const otherDate = SFT_TEXT.replace('26 Jul 2024', '01 Jan 2025');
    expect(errorOf(otherDate).reason).toMatch(/must begin with 'Cutting Knowledge Date: December 2023'/);
    const noEmptyLine = SFT_TEXT.replace('2024\n\n', '2024\n');
    expect(errorOf(noEmptyLine).reason).toMatch(/and an empty line/);
  });

  it('rejects text outside the messages', () => {
    const between = SFT_TEXT.replace('<|eot_id|><|start_header_id|>user', '<|eot_id|> stray <|start_header_id|>user');
    expect(errorOf(between)).toMatchObject({ position: between.indexOf('stray'), reason: 'text outside any message: "stray "' });
    expect(errorOf(`${SFT_TEXT}trailing`).reason).toBe('text outside any message: "trailing"');
    expect(errorOf(`${SFT_TEXT}<|end_of_text|>`).reason).toMatch(/text outside any message/);
    // Whitespace between and after messages is fine.
    expect(parseChatTemplate(SFT_TEXT.replace('<|eot_id|><|start_header_id|>user', '<|eot_id|>\n <|start_header_id|>user') + '\n').messages).toHaveLength(2);
  });

  it('rejects an unclosed message, unknown roles and a malformed header', () => {
    const unclosed = `${HEAD}sys<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>`;
    expect(errorOf(unclosed)).toMatchObject({ position: unclosed.indexOf('Hi<|start') + 2, reason: 'the user message is not closed by <|eot_id|> before the next header' });
    expect(errorOf(`${HEAD}sys<|eot_id|><|start_header_id|>tool<|end_header_id|>\n\nx<|eot_id|>`).reason).toMatch(/text outside any message/);
    expect(errorOf(`${HEAD}sys<|eot_id|><|start_header_id|>user<|end_header_id|>\nHi<|eot_id|>`).reason).toMatch(/text outside any message/);
    expect(errorOf(`${HEAD}sys<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nno end`).reason).toMatch(/text outside any message/);
  });

  it('accepts only a generation prompt that ends the text', () => {
    const text = `${SFT_TEXT}<|start_header_id|>assistant<|end_header_id|>\n\nstarted reply`;
    expect(errorOf(text).reason).toMatch(/text outside any message/);
    expect(errorOf(`${SFT_TEXT}<|start_header_id|>user<|end_header_id|>\n\n`).reason).toMatch(/text outside any message/);
  });
});
