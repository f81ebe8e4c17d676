// A tiny seeded generator for the wrapper's own shuffles and for tests.

/**
 * mulberry32: a 32-bit seeded PRNG, plenty for shuffling (not cryptographic).
 *
 * @param {number} seed  any 32-bit integer
 * @returns {() => number} function returning uniform floats in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
