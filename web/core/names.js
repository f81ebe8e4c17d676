// Name lookup shared by every configurable piece: TensorFlow.js camelCase
// names, also accepting Keras' snake_case and aliases ('leaky_relu', 'mse').

/** Lower-case, no underscores: 'leaky_relu', 'leakyRelu' and 'LeakyReLU' meet. */
const normalize = (name) => name.replace(/_/g, '').toLowerCase();

/**
 * Builds a resolver over a table { canonicalName: value } plus aliases.
 * resolve(name) returns { name: canonicalName, value } or throws an Error that
 * lists the known names.
 */
export function nameTable(what, table, aliases = {}) {
  const index = new Map();
  for (const name of Object.keys(table)) index.set(normalize(name), name);
  for (const [alias, name] of Object.entries(aliases)) index.set(normalize(alias), name);
  return function resolve(name) {
    const canonical = typeof name === 'string' ? index.get(normalize(name)) : undefined;
    if (canonical === undefined)
      throw new Error(`unknown ${what} ${JSON.stringify(name)}; known: ${Object.keys(table).join(', ')}`);
    return { name: canonical, value: table[canonical] };
  };
}

/** Checks that an options argument is a plain object (undefined becomes {}); returns it. */
export function checkOptions(what, options, known) {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new Error(`${what} takes an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  if (known) for (const key of Object.keys(options))
    if (!known.includes(key)) throw new Error(`${what}: unknown option ${JSON.stringify(key)}; known: ${known.join(', ')}`);
  return options;
}

/** Checks that a config value is true or false. */
export function checkBoolean(what, value) {
  if (typeof value !== 'boolean') throw new Error(`${what} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks that a config value is a finite number within [min, max]. */
export function checkNumber(what, value, { min = -Infinity, max = Infinity, integer = false } = {}) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new Error(`${what} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return value;
}
