/**
 * A Bloom filter over strings: "maybe in the set" or "certainly not". One bit array of at least the size the
 * count and the false positive rate ask for (rounded up to a power of two, so a position is a mask, not a
 * division), and k positions per string from two 32-bit hashes (Kirsch and Mitzenmacher's double hashing): a
 * look-up costs one pass over the string and k bit reads.
 */
// Looked up once: a global's property read on every call is slow inside a vm context (as Jest runs code).
const imul = Math.imul;

export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  readonly hashes: number;

  constructor(expectedCount: number, falsePositiveRate: number) {
    const count = Math.max(1, expectedCount);
    const needed = Math.ceil((-count * Math.log(falsePositiveRate)) / Math.LN2 ** 2);
    const size = 2 ** Math.max(5, Math.ceil(Math.log2(needed)));
    this.mask = size - 1;
    this.hashes = Math.max(1, Math.round((needed / count) * Math.LN2));
    this.bits = new Uint32Array(size / 32);
  }

  /** Bytes the bit array holds. */
  get bytes(): number {
    return this.bits.byteLength;
  }

  add(value: string): void {
    const [first, step] = hashesOf(value);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (first + imul(i, step)) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  has(value: string): boolean {
    const [first, step] = hashesOf(value);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (first + imul(i, step)) & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** FNV-1a over the UTF-16 code units from two starting points, each finished with MurmurHash3's mixer. */
function hashesOf(value: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x5bd1e995;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    a = imul(a ^ unit, 0x01000193);
    b = imul(b ^ unit, 0x01000193) ^ (b >>> 15);
  }
  // odd, so with a power-of-two size the k positions of a string are all different
  return [mix(a), mix(b) | 1];
}

function mix(hash: number): number {
  let h = hash;
  h = imul(h ^ (h >>> 16), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
