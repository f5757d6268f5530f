/**
 * The prompt's template lines are what the scripted OpenAI-compatible test server reads: render
 * every library template, let the server answer, and process the answer.
 */
import { processGoalTemplateOutput } from '../../../../generator/goal-template/process';
import { renderGoalTemplatePrompt } from '../../../../generator/goal-template/prompt';
import { TEMPLATE_LIBRARY } from '../../../../generator/goal-template/templates';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../../support/scripted-openai';
import { instanceWith } from '../../goal-template/fixtures';

let server: ScriptedOpenAI;
beforeAll(async () => {
  server = await startScriptedOpenAI();
});
afterAll(() => server.close());

test('the scripted model answers every library template with a dialogue that is accepted', async () => {
  const results: string[] = [];
  for (const template of TEMPLATE_LIBRARY) {
    const instance = instanceWith(template);
    const messages = renderGoalTemplatePrompt(instance, { domain: 'Movies_and_TV' });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'teacher-model', messages, seed: 1 }),
    });
    const { choices } = (await response.json()) as { choices: Array<{ message: { content: string }; finish_reason: string | null }> };
    const choice = choices[0];
    const r = processGoalTemplateOutput(choice.message.content, choice.finish_reason, instance, { catalogue: new Map() });
    results.push(`${template.id} ${r.status} ${r.issues.map((i) => i.code).join(',')}`.trim());
    expect(r.mentions.some((m) => m.isRecommendation && m.asin === instance.gold.asin)).toBe(true);
  }
  expect(results).toEqual(TEMPLATE_LIBRARY.map((t) => `${t.id} ACCEPTED`));
});
