/**
 * generator/finetune/train_lora.py, the student's LoRA fine-tuning script, driven as an operator
 * runs it. Validation needs only python3; the tiny-model training needs torch, transformers and
 * peft and is skipped, saying so, where they are missing. FINETUNE_PYTHON picks the interpreter
 * (e.g. a virtual environment that has them); default python3.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderChatTemplate, type ChatMessage } from '../../../../src/ingest/chat-template';
import { DEFAULT_SYSTEM_PROMPTS } from '../../../../generator/prompts/system-prompts';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const SCRIPT = path.join(ROOT, 'generator', 'finetune', 'train_lora.py');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'sft');
const PYTHON = process.env.FINETUNE_PYTHON || 'python3';

function run(args: string[], timeout = 60_000) {
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const pythonFound = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' }).status === 0;
const missingPackages = pythonFound
  ? ['torch', 'transformers', 'peft'].filter((m) => spawnSync(PYTHON, ['-c', `import ${m}`]).status !== 0)
  : ['torch', 'transformers', 'peft'];

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const fixture = (name: string) => path.join(FIXTURES, name);
/** What the script names a record without a stereotype: its system prompt's hash. */
const unlabelled = (stereotype: string) => `(unlabelled, system prompt sha256 ${sha256(DEFAULT_SYSTEM_PROMPTS[stereotype]).slice(0, 12)})`;
/** Runs the script with the training packages made unimportable, as on a machine without them. */
const withoutTrainingPackages = (args: string[]) =>
  run([
    '-c',
    "import runpy, sys; sys.modules.update(torch=None, transformers=None, peft=None); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
    SCRIPT,
    ...args,
  ]);

if (!pythonFound) console.warn(`finetune tests skipped: no ${PYTHON} on this machine`);
const withPython = pythonFound ? describe : describe.skip;

withPython(`train_lora.py --validate-only (${PYTHON})`, () => {
  test('counts the messages records per stereotype, from their stereotype key', () => {
    const r = run([SCRIPT, '--data', fixture('messages.jsonl'), '--validate-only', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      file: fixture('messages.jsonl'),
      sha256: sha256(fs.readFileSync(fixture('messages.jsonl'))),
      records: 5,
      variants: { messages: 5, text: 0 },
      stereotypes: { 'Cold-Start Browser': 2, 'Fully Expressive Seeker': 1, 'History + Hint Seeker': 2 },
      blank_lines: 0,
    });
  });

  test('reads the single-text Llama-3 variant (CRLF and a blank line included) and groups unlabelled records by system prompt', () => {
    const r = run([SCRIPT, '--data', fixture('text.jsonl'), '--validate-only', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.records).toBe(3);
    expect(s.variants).toEqual({ messages: 0, text: 3 });
    expect(s.blank_lines).toBe(1);
    // text.jsonl holds one Cold-Start Browser and two History + Hint Seeker dialogues.
    expect(s.stereotypes).toEqual({ [unlabelled('Cold-Start Browser')]: 1, [unlabelled('History + Hint Seeker')]: 2 });
  });

  test('the human summary names the file, the counts and each stereotype', () => {
    const r = run([SCRIPT, '--data', fixture('messages.jsonl'), '--validate-only']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${fixture('messages.jsonl')}: 5 records (5 messages, 0 text)`);
    expect(r.stdout).toContain('  History + Hint Seeker: 2\n');
  });

  test('refuses a bad file with one file:line: field: problem line per bad record, and exit code 1', () => {
    const bad = fixture('bad.jsonl');
    const r = run([SCRIPT, '--data', bad, '--validate-only']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'train_lora.py: 4 bad records:',
      `${bad}:3: messages[2].role: expected one of system, user, assistant, got "assistent"`,
      `${bad}:4: invalid JSON: Expecting value at column 15`,
      `${bad}:5: text: ends with a generation prompt; an SFT record ends with the assistant's <|eot_id|>`,
      `${bad}:6: expected a "messages" array or a "text" string`,
    ]);
  });

  test('more record errors: assistant not last, both variants in one record, a second <|begin_of_text|>', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sft-'));
    const file = path.join(dir, 'x.jsonl');
    const text = renderChatTemplate([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }]);
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'again' }] }),
        JSON.stringify({ messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }], text }),
        JSON.stringify({ text: text + '<|begin_of_text|>' }),
        JSON.stringify({ messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: '  ' }] }),
      ].join('\n'),
    );
    try {
      const lines = run([SCRIPT, '--data', file, '--validate-only']).stderr.trimEnd().split('\n');
      expect(lines.slice(1)).toEqual([
        `${file}:1: messages: the last message must be the assistant's (the part the student learns), got user`,
        `${file}:2: a record has either messages or text, not both`,
        `${file}:3: text: <|begin_of_text|> occurs more than once`,
        `${file}:4: messages[1].content: empty`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('validation runs without torch, transformers and peft; training without them says which are missing', () => {
    const ok = withoutTrainingPackages(['--data', fixture('text.jsonl'), '--validate-only']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('3 records (0 messages, 3 text)');
    const train = withoutTrainingPackages(['--data', fixture('text.jsonl'), '--output-dir', path.join(os.tmpdir(), 'never-written')]);
    expect(train.code).toBe(1);
    expect(train.stderr).toMatch(/training needs torch, transformers and peft; missing: torch, transformers, peft/);
  });

  test('a messages record trains on exactly the string `recdial export sft --format text` writes for it', () => {
    const lines = fs.readFileSync(fixture('messages.jsonl'), 'utf8').trimEnd().split('\n');
    const messages: ChatMessage[] = JSON.parse(lines[2]).messages;
    const r = run([
      '-B', // no __pycache__ next to the script
      '-c',
      'import json, sys; sys.path.insert(0, sys.argv[1]); import train_lora as t; ' +
        'text, spans = t.render_chat(json.loads(sys.argv[2])); print(json.dumps({"text": text, "learnt": [text[a:b] for a, b in spans]}))',
      path.dirname(SCRIPT),
      JSON.stringify(messages),
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.text).toBe(renderChatTemplate(messages));
    // The loss covers the dialogue and the <|eot_id|> that ends it, nothing of the prompts.
    expect(out.learnt).toEqual([`${messages[2].content.trim()}<|eot_id|>`]);
    // And the text fixture's second line is that very string.
    expect(JSON.parse(fs.readFileSync(fixture('text.jsonl'), 'utf8').split('\n')[1]).text).toBe(out.text);
  });
});

const trainingReady = pythonFound && missingPackages.length === 0;
const skipReason = pythonFound ? `${PYTHON} lacks ${missingPackages.join(', ')}` : `no ${PYTHON}`;
if (!trainingReady) console.warn(`finetune tiny-random training test skipped: ${skipReason} (pip install -r generator/finetune/requirements.txt)`);

(trainingReady ? test : test.skip)(
  trainingReady ? 'tiny-random LoRA training: 2 steps, finite loss, adapter files and adapter_meta.json' : `tiny-random LoRA training (skipped: ${skipReason})`,
  () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-lora-'));
    try {
      const data = fixture('messages.jsonl');
      const r = run([SCRIPT, '--data', data, '--output-dir', out, '--tiny-random', '--max-steps', '2', '--batch-size', '2', '--grad-accum', '1', '--lora-r', '8', '--lora-alpha', '16'], 170_000);
      expect(r.stderr).not.toMatch(/TINY CHECK FAILED|Traceback/);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^TINY CHECK PASSED: 2 steps/m);
      for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'tokenizer.json', 'adapter_meta.json']) {
        expect(fs.existsSync(path.join(out, f))).toBe(true);
      }
      const meta = JSON.parse(fs.readFileSync(path.join(out, 'adapter_meta.json'), 'utf8'));
      expect(meta).toMatchObject({
        base_model: 'tiny-random-llama-3.1',
        rank: 8,
        alpha: 16,
        steps: 2,
        data_sha256: sha256(fs.readFileSync(data)),
        data_records: 5,
        records_trained: 5,
        tiny_random: true,
      });
      expect(meta.losses).toHaveLength(2);
      expect(meta.losses.every(Number.isFinite)).toBe(true);
      expect(meta.final_loss).toBe(meta.losses[1]);
      // A random model over a 512-token vocabulary starts near ln(512) ≈ 6.24.
      expect(meta.final_loss).toBeGreaterThan(4);
      expect(meta.final_loss).toBeLessThan(8);
      const adapter = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8'));
      expect(adapter).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16 });
      expect([...adapter.target_modules].sort()).toEqual(['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
  180_000,
);
