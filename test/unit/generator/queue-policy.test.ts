import OpenAI from 'openai';
import { ConfigError } from '../../../src/config/config';
import { loadGenerationConfig } from '../../../src/config/generation';
import { teacherSample } from '../../../generator/enqueue';
import { classifyModelError, publicEndpoint } from '../../../generator/models/clients';

describe('model endpoint configuration', () => {
  test('a role is configured by its base URL and model; the key defaults to a placeholder and limits to their defaults', () => {
    const g = loadGenerationConfig({ TEACHER_BASE_URL: 'http://vllm:8000/v1/', TEACHER_MODEL: 'meta-llama/Llama-3.3-70B-Instruct' });
    expect(g.endpoints.TEACHER).toEqual({
      role: 'TEACHER', baseUrl: 'http://vllm:8000/v1', model: 'meta-llama/Llama-3.3-70B-Instruct', apiKey: 'EMPTY', timeoutMs: 600_000, maxInFlight: 64,
    });
    expect(g.endpoints.STUDENT).toBeUndefined();
    // A job may run as long as the slowest request plus a margin before it counts as crashed.
    expect(g.jobExpireSeconds).toBe(660);
    expect(g.maxAttempts).toBe(5);
  });

  test('a base URL without a model, or a bad URL, is refused naming the variable', () => {
    expect(() => loadGenerationConfig({ STUDENT_BASE_URL: 'http://x/v1' })).toThrow(new ConfigError('STUDENT_BASE_URL is set but STUDENT_MODEL is not: name the model (or LoRA adapter) the server serves'));
    expect(() => loadGenerationConfig({ TEACHER_BASE_URL: 'not a url', TEACHER_MODEL: 'm' })).toThrow(/TEACHER_BASE_URL must be a URL/);
    expect(() => loadGenerationConfig({ TEACHER_BASE_URL: 'http://x/v1', TEACHER_MODEL: 'm', TEACHER_MAX_IN_FLIGHT: '0' })).toThrow(/TEACHER_MAX_IN_FLIGHT must be an integer ≥ 1/);
  });

  test('provenance records endpoints without credentials', () => {
    expect(publicEndpoint('https://user:secret@models.example.org/v1?key=abc')).toBe('https://models.example.org/v1');
  });
});

describe('which model errors are retried', () => {
  const apiError = (status: number) => OpenAI.APIError.generate(status, { error: { message: 'x' } }, 'x', new Headers());
  test.each([
    [429, 'RATE_LIMITED', true],
    [500, 'SERVER_ERROR', true],
    [503, 'SERVER_ERROR', true],
    [408, 'CLIENT_ERROR', true],
    [400, 'CLIENT_ERROR', false],
    [404, 'CLIENT_ERROR', false],
  ])('HTTP %i → %s, retryable %s', (status, outcome, retryable) => {
    expect(classifyModelError(apiError(status))).toMatchObject({ outcome, retryable, httpStatus: status });
  });

  test('timeouts and dropped connections are retried; anything else is not', () => {
    expect(classifyModelError(new OpenAI.APIConnectionTimeoutError())).toMatchObject({ outcome: 'TIMEOUT', retryable: true });
    expect(classifyModelError(new OpenAI.APIConnectionError({ message: 'socket hang up' }))).toMatchObject({ outcome: 'CONNECTION', retryable: true });
    expect(classifyModelError(new Error('the response has no choices'))).toMatchObject({ outcome: 'BAD_RESPONSE', retryable: false });
  });
});

describe('teacher sample (docs/pipeline.md §6.1)', () => {
  const users = (counts: number[]) =>
    counts.flatMap((n, s) => Array.from({ length: n }, (_, i) => ({ id: `${s + 1}-${i}`, stereotypeId: s + 1 })));

  test('round(f·n) per stereotype, at least one, stratified', () => {
    const picked = teacherSample(users([20, 14, 5, 1, 0]), 0.1, 42, [1, 2, 3, 4, 5]);
    const per = (s: number) => picked.filter((u) => u.stereotypeId === s).length;
    expect([per(1), per(2), per(3), per(4), per(5)]).toEqual([2, 1, 1, 1, 0]);
  });

  test('the same seed gives the same sample; another seed another one', () => {
    const ids = (seed: number) => teacherSample(users([30, 30, 30, 30, 30]), 0.2, seed, [1, 2, 3, 4, 5]).map((u) => u.id);
    expect(ids(42)).toEqual(ids(42));
    expect(ids(42)).not.toEqual(ids(43));
  });

  test('each stratum is the prefix of its list shuffled by one CPython-seeded generator, in canonical order', () => {
    // CPython: r = random.Random(42); l = list(range(10)); r.shuffle(l) → [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]
    const ten = Array.from({ length: 10 }, (_, i) => ({ id: i, stereotypeId: 1 }));
    expect(teacherSample(ten, 0.3, 42, [1]).map((u) => u.id)).toEqual([7, 3, 2]);
  });
});
