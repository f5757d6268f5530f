import { ConfigError } from '../../../../../src/config/config';
import { generateSecret, hashSecret, parseApiKeySpec } from '../../../../../src/modules/api-key/api-key.service';

describe('RECDIAL_API_KEYS', () => {
  test('parses comma-separated name:role:secret entries, trimming blanks and skipping empty entries', () => {
    expect(parseApiKeySpec(' ops:operator:s3cret , ro:reader:r3ad,,')).toEqual([
      { name: 'ops', role: 'operator', secret: 's3cret' },
      { name: 'ro', role: 'reader', secret: 'r3ad' },
    ]);
    expect(parseApiKeySpec('')).toEqual([]);
  });

  test('a secret may contain colons', () => {
    expect(parseApiKeySpec('ops:operator:a:b:c')).toEqual([{ name: 'ops', role: 'operator', secret: 'a:b:c' }]);
  });

  test.each([
    ['ops:operator', /entry 1 \("ops"\) must be name:role:secret/],
    ['ops:admin:x', /entry 1 \("ops"\): role must be operator or reader, got "admin"/],
    ['ops:operator:', /entry 1 \("ops"\): the secret is empty/],
    [':operator:x', /entry 1 \(""\): name "" must be/],
    ['a b:reader:x', /name "a b" must be/],
    ['ops:operator:x,ops:reader:y', /entry 2 \("ops"\): the name "ops" appears twice/],
    ['a:operator:x,b:reader:x', /entry 2 \("b"\): the secret is the same as an earlier entry's/],
    ['ok:reader:x, , bad', /entry 3 must be name:role:secret/],
  ])('%s is refused with a ConfigError naming the entry', (spec, message) => {
    expect(() => parseApiKeySpec(spec)).toThrow(ConfigError);
    expect(() => parseApiKeySpec(spec)).toThrow(message);
  });

  test('errors never contain the secret', () => {
    for (const spec of ['rdk_SECRETVALUE', 'ops:SECRETVALUE', 'ops:admin:SECRETVALUE', 'x:operator:SECRETVALUE,y:reader:SECRETVALUE']) {
      try {
        parseApiKeySpec(spec);
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain('SECRETVALUE');
      }
    }
  });
});

test('generated secrets are rdk_ + 32 random bytes (base64url) and hash to SHA-256 hex', () => {
  const a = generateSecret();
  expect(a).toMatch(/^rdk_[A-Za-z0-9_-]{43}$/);
  expect(generateSecret()).not.toBe(a);
  expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
