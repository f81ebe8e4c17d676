// Loaded into every test process by `npm test` (`node --import
// ./test/support/inside-repository.js --test …`): a test that reads a file, lists
// a folder or imports a module outside the repository throws an Error naming
// the path, so a clone of the repository alone passes `npm test` (GUIDE.md).
//
// Allowed besides the repository (ALLOWED in ./inside-repository-hooks.js): the temporary folder (browser profiles, the
// packed package and the apps the bundler tests install there), Debian's
// Fashion-MNIST package and the few system files the browser drivers read
// about the machine. (The browsers themselves are started, not read.)
// Checked are the entry points that read contents: readFile, open,
// createReadStream, readdir, opendir, copyFile's source, and import. stat and
// exists are not reads (tools probe for what is installed).
import fs from 'node:fs';
import { register, syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAllowed } from './inside-repository-hooks.js';

/** Throws when `target` (a path, file: URL or Buffer; file descriptors pass) lies outside. */
export function checkRead(target, what) {
  if (typeof target === 'number' || target === undefined || target === null) return;
  let path;
  if (target instanceof URL) path = target.protocol === 'file:' ? fileURLToPath(target) : null;
  else if (typeof target === 'string' && target.startsWith('file:')) path = fileURLToPath(target);
  else path = String(target);
  if (path === null) return;
  const full = resolve(path);
  if (!isAllowed(full)) throw new Error(`${what} reads outside the repository: ${full} (copy what the tests need into the repository)`);
}

const guard = (object, name, what = `fs.${name}`) => {
  const original = object[name];
  object[name] = function (target, ...rest) {
    checkRead(target, what);
    return original.call(this, target, ...rest);
  };
};

for (const name of ['readFile', 'readFileSync', 'open', 'openSync', 'createReadStream', 'readdir', 'readdirSync', 'opendir', 'opendirSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync'])
  guard(fs, name);
for (const name of ['readFile', 'open', 'readdir', 'opendir', 'copyFile', 'cp']) guard(fs.promises, name, `fs.promises.${name}`);
syncBuiltinESMExports(); // `import { readFile } from 'node:fs/promises'` sees the guarded functions too

// import and require of files outside (the hook runs on Node's loader thread).
register(new URL('./inside-repository-hooks.js', import.meta.url));

globalThis[Symbol.for('simdnet.insideRepository')] = true;
