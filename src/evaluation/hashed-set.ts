/**
 * A set of strings kept as 64-bit hashes in two typed arrays: distinct 4-grams of a large corpus
 * number in the millions, which a `Set<string>` holds at ~80 bytes each and caps at 2^24 entries.
 * Here an entry costs 8 bytes at load ≤ 0.75 (11–21 bytes in practice). Two strings count as one
 * only if both independent 32-bit hashes collide: for n entries the chance of any such collision
 * is about n² / 2^65 (≈ 4·10⁻⁶ for 12 million), so the count is exact in practice.
 */
export class HashedStringSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table (for the memory report). */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  add(value: string): void {
    let h1 = murmur(value, 0x9747b28c);
    const h2 = murmur(value, 0x3c6ef372);
    // (0, 0) marks an empty slot.
    if (h1 === 0 && h2 === 0) h1 = 1;
    this.insert(h1, h2);
  }

  private insert(h1: number, h2: number): void {
    let slot = (h2 ^ imul(h1, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = this.hi[slot];
      const b = this.lo[slot];
      if (a === 0 && b === 0) break;
      if (a === h1 && b === h2) return;
      slot = (slot + 1) & this.mask;
    }
    this.hi[slot] = h1;
    this.lo[slot] = h2;
    this.count++;
    if (this.count * 4 > this.hi.length * 3) this.grow();
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.mask = this.hi.length - 1;
    this.count = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i], lo[i]);
  }
}

// Bound once: a global `Math` lookup per call costs ~40× more in jest's sandboxed realm.
const imul = Math.imul;

/** MurmurHash3 (x86, 32-bit) over UTF-16 code units. */
function murmur(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    let k = imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
