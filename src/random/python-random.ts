import { createHash } from 'node:crypto';

/*
 * CPython's `random` module, bit for bit (docs/pipeline.md §12.1), so that a seed means the same here
 * as in the original Python scripts. Written by hand: npm's Mersenne Twister packages seed with
 * init_genrand or float conversions that differ from CPython's init_by_array/random().
 */

const N = 624;
const M = 397;

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  /** seed(s) for a non-negative integer s (CPython seeds with its 32-bit words, least significant first). */
  constructor(seed: number | bigint) {
    let s = BigInt(seed);
    if (s < 0n) throw new RangeError('seed must be a non-negative integer');
    const key: number[] = [];
    do {
      key.push(Number(s & 0xffffffffn));
      s >>= 32n;
    } while (s > 0n);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private next32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float in [0, 1) with 53 random bits, as CPython's random(). */
  random(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** getrandbits(k) for 1 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > 32) throw new RangeError('getrandbits supports 1 to 32 bits');
    return this.next32() >>> (32 - k);
  }

  /** CPython's _randbelow: rejection sampling on bit length, no modulo bias. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError('randbelow needs 1 ≤ n < 2^32');
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** In-place Fisher–Yates exactly as random.shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** floor(random() × n): the index the original scripts draw among n choices. */
  choiceIndex(n: number): number {
    return Math.floor(this.random() * n);
  }
}

/**
 * §12.3: the seed of the sub-stream for purpose `p` and key `k` is the first 4 bytes (big-endian)
 * of SHA-256(`{seed}:{p}:{k}`); the per-request LLM seed is that value modulo 2^31.
 */
export function keyedSeed(seed: number, purpose: string, key: string): number {
  return createHash('sha256').update(`${seed}:${purpose}:${key}`, 'utf8').digest().readUInt32BE(0);
}

export function keyedRandom(seed: number, purpose: string, key: string): PythonRandom {
  return new PythonRandom(keyedSeed(seed, purpose, key));
}
