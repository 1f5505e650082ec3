/** Seeded, platform-independent random weights: integer PRNG, uniform draws scaled to a target std. */

/** mulberry32: a 32-bit PRNG whose stream depends only on the seed (no transcendental maths). */
export class WeightRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `count` values, uniform with zero mean and standard deviation `std` (float32-rounded). */
  uniform(count: number, std: number): Float32Array {
    const half = std * Math.sqrt(3);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = (this.next() * 2 - 1) * half;
    return out;
  }
}
