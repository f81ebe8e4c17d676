// The repository carries every file its tests read: `npm test` loads
// test/support/inside-repository.js into every test process, which turns a read
// or an import outside the repository into an Error naming the path. Here: that
// npm test does load it, and that it refuses what it should and nothing else.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isAllowed } from './support/inside-repository-hooks.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const GUARD = './test/support/inside-repository.js';
// A file next to the repository (where the course's CSVs used to be read), or (when the repository sits
// where reading is allowed anyway, say in the temporary folder) a path that is outside everything.
const OUTSIDE = [join(ROOT, '..', 'next-to-simdnet', 'linreg.csv'), '/simdnet-outside-the-repository/data/linreg.csv']
  .find((path) => !isAllowed(path));

/** Runs an ES module snippet with the guard loaded, from the repository's root. */
function guarded(code) {
  const r = spawnSync(process.execPath, ['--import', GUARD, '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('npm test runs every test file with the guard loaded', () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.match(scripts.test, /node --import \.\/test\/support\/inside-repository\.js --test (--[\w-]+ )*test\/\*\.test\.js/);
  if (process.env.npm_lifecycle_event === 'test') assert.equal(globalThis[Symbol.for('simdnet.insideRepository')], true, 'this process has it');
});

test('reads and imports outside the repository are refused, naming the path', () => {
  for (const [what, code] of [
    ['readFileSync', `import { readFileSync } from 'node:fs'; readFileSync(${JSON.stringify(OUTSIDE)});`],
    ['fs/promises readFile', `import { readFile } from 'node:fs/promises'; await readFile(new URL(${JSON.stringify(`file://${OUTSIDE}`)}));`],
    ['createReadStream', `import fs from 'node:fs'; fs.createReadStream(${JSON.stringify(OUTSIDE)});`],
    ['readdirSync', `import { readdirSync } from 'node:fs'; readdirSync(${JSON.stringify(dirname(OUTSIDE))});`],
    ['import', `await import(${JSON.stringify(OUTSIDE.replace(/csv$/, 'js'))});`],
  ]) {
    const { status, out } = guarded(code);
    assert.notEqual(status, 0, what);
    assert.match(out, /reads outside the repository: \S+/, `${what}: ${out}`);
  }
});

test('the repository, its node_modules and the temporary folder may be read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-guard-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'temporary');
    const { status, out } = guarded(`
      import { readFileSync, readdirSync } from 'node:fs';
      import * as sn from './web/index.js';
      await sn.ready();
      readFileSync('demo/data/yogurt.csv');
      readdirSync('node_modules');
      console.log(readFileSync(${JSON.stringify(join(dir, 'a.txt'))}, 'utf8'));`);
    assert.equal(status, 0, out);
    assert.match(out, /temporary/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no file in test/, demo/, web/ or scripts/ is ignored by git (a clone would lack it)', { skip: !existsSync(join(ROOT, '.git')) && 'not a git checkout' }, () => {
  const r = spawnSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--', 'test', 'demo', 'web', 'scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), []);
});
