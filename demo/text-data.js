// The text page's data: a character vocabulary, windows of ids with the
// character that follows each, and sampling the next character at a
// temperature. Plain functions of plain arrays, so Node tests them too.

/** The characters of a text, sorted, and each one's id: { chars, ids(text) → Int32Array }. */
export function vocabulary(text) {
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    has: (c) => index.has(c),
    ids: (s) => Int32Array.from(s, (c) => {
      if (!index.has(c)) throw new Error(`the character ${JSON.stringify(c)} is not in the text's vocabulary`);
      return index.get(c);
    }),
  };
}

/** Floats in [0, 1) from a seed (a linear congruential generator: the windows and the samples need no more). */
export function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * `count` windows of `length` ids from ids[from … to), each starting at a
 * random place, and the id after each: { x: Float32Array(count × length),
 * y: Float32Array(count) }; with `every`, the id after every position
 * (y: Float32Array(count × length), what a GPT learns from).
 */
export function windows(ids, { length, count, from = 0, to = ids.length, seed = 1, every = false }) {
  const starts = to - from - length;
  if (starts < 1) throw new Error(`the text is too short for windows of ${length} characters: it needs more than ${length + 1}`);
  const next = random(seed), x = new Float32Array(count * length), y = new Float32Array(every ? count * length : count);
  for (let r = 0; r < count; r++) {
    const start = from + Math.floor(next() * starts);
    for (let t = 0; t < length; t++) x[r * length + t] = ids[start + t];
    if (every) for (let t = 0; t < length; t++) y[r * length + t] = ids[start + t + 1];
    else y[r] = ids[start + length];
  }
  return { x, y };
}

/**
 * An index drawn from probabilities sharpened or flattened by a temperature:
 * p_i^(1/T), renormalized (in logs, so small T does not underflow); T = 0 is the most likely one.
 */
export function sampleIndex(probs, temperature, rand) {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  if (!(temperature > 0)) return best;
  const logits = Array.from(probs, (p) => Math.log(Math.max(p, 1e-30)) / temperature);
  const max = Math.max(...logits), weights = logits.map((l) => Math.exp(l - max));
  let u = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((u -= weights[i]) < 0) return i;
  return best;
}

/**
 * `n` characters after a seed phrase: predict(window ids) → probabilities
 * (async: the model is in a Worker), the window sliding by one each time.
 * A phrase shorter than the window is padded on the left with spaces (or the
 * first character); a longer one keeps its end.
 */
export async function generate(predict, vocab, phrase, { length, n, temperature, seed = 1 }) {
  const pad = vocab.has(' ') ? ' ' : vocab.chars[0];
  const window = Array.from(vocab.ids(phrase.length >= length ? phrase.slice(-length) : pad.repeat(length - phrase.length) + phrase));
  const rand = random(seed);
  let out = '';
  for (let i = 0; i < n; i++) {
    const id = sampleIndex(await predict(Float32Array.from(window)), temperature, rand);
    out += vocab.chars[id];
    window.shift();
    window.push(id);
  }
  return out;
}
