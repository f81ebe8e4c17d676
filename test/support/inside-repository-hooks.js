// Module hooks of test/support/inside-repository.js: importing a file outside
// the repository (and the allowed folders) is an Error naming it.
import { fileURLToPath } from 'node:url';

let allowed = [];

export function initialize(data) {
  allowed = data.allowed;
}

/** Whether an absolute path is inside one of `list`'s folders (ending in /) or one of its files. */
export const isAllowed = (path, list) => list.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) || `${path}/` === entry : path === entry));

function check(url, specifier) {
  if (!url.startsWith('file:')) return;
  const path = fileURLToPath(url);
  if (!isAllowed(path, allowed))
    throw new Error(`import of ${JSON.stringify(specifier)} reads outside the repository: ${path} (copy what the tests need into the repository)`);
}

export async function resolve(specifier, context, next) {
  // Paths are checked before resolving, so a missing outside file is named too.
  if (/^(\.{0,2}\/|file:)/.test(specifier) && context.parentURL) check(new URL(specifier, context.parentURL).href, specifier);
  const result = await next(specifier, context);
  check(result.url, specifier);
  return result;
}
