// What test/support/inside-repository.js allows, and its module hooks:
// importing a file outside the repository (and the allowed folders) is an Error
// naming it. No side effects: the test of the guard imports this too.
import { tmpdir } from 'node:os';
import { resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Paths outside the repository that may be read: folders end with a slash, files are exact. */
export const ALLOWED = [
  ROOT, resolvePath(tmpdir()) + sep,
  '/usr/share/datasets/fashion-mnist/', // Debian's dataset-fashion-mnist (test/idx.test.js, skipped without it)
  '/etc/os-release', '/usr/lib/os-release', '/proc/', // what the browser drivers read about the machine
];

/** Whether an absolute path is inside one of `list`'s folders (ending in /) or one of its files. */
export const isAllowed = (path, list = ALLOWED) => list.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) || `${path}/` === entry : path === entry));

function check(url, specifier) {
  if (!url.startsWith('file:')) return;
  const path = fileURLToPath(url);
  if (!isAllowed(path))
    throw new Error(`import of ${JSON.stringify(specifier)} reads outside the repository: ${path} (copy what the tests need into the repository)`);
}

export async function resolve(specifier, context, next) {
  // Paths are checked before resolving, so a missing outside file is named too.
  if (/^(\.{0,2}\/|file:)/.test(specifier) && context.parentURL) check(new URL(specifier, context.parentURL).href, specifier);
  const result = await next(specifier, context);
  check(result.url, specifier);
  return result;
}
