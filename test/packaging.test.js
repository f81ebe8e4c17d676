// The package's shape, checked without installing anything (test/apps.test.js
// installs the packed tarball into real apps): the browser entry and the Worker
// entries pull in no Node module, both entries offer the same API, and every
// export of package.json points to a shipped file with types.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as browserEntry from '../web/browser.js';
import * as nodeEntry from '../web/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
const NODE_ONLY = ['web/index.js', 'web/core/node-platform.js', 'web/data/mnist.js', 'web/data/data-node.js', 'web/io/node-files.js', 'web/worker/thread-worker-node.js'];

test('the browser entry and both Worker entries bundle for a browser with no Node module in their graphs', async () => {
  for (const entry of ['web/browser.js', 'web/worker/worker.js', 'web/worker/thread-worker.js']) {
    const result = await build({
      entryPoints: [`${ROOT}${entry}`], absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true,
      loader: { '.wasm': 'file' }, outdir: `${ROOT}build/graph-check`, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((f) => f.endsWith('.js'));
    assert.ok(inputs.includes(entry), `${entry}: ${inputs}`);
    for (const file of inputs) {
      assert.ok(!NODE_ONLY.includes(file), `${entry} pulls in ${file}`);
      assert.doesNotMatch(readFileSync(`${ROOT}${file}`, 'utf8'), /(\bfrom\s*|\bimport\s*\(?\s*)['"]node:/, `${file} names a node: module`);
    }
  }
});

test('the Node entry and the browser entry export the same names; only sn.data differs (loadMnistDigits)', async () => {
  assert.deepEqual(Object.keys(nodeEntry).sort(), Object.keys(browserEntry).sort());
  for (const name of Object.keys(browserEntry)) if (name !== 'data') assert.equal(nodeEntry[name], browserEntry[name], name);
  assert.deepEqual(Object.keys(nodeEntry.data).sort(), Object.keys(browserEntry.data).sort());
  assert.notEqual(nodeEntry.data.loadMnistDigits, browserEntry.data.loadMnistDigits);
  await assert.rejects(browserEntry.data.loadMnistDigits(), /works in Node only/);
});

test('every export of package.json names a shipped file, with types for each JavaScript and .wasm export', () => {
  const shipped = (path) => pkg.files.some((f) => path === f || path.startsWith(`${f}/`));
  const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value).flatMap(targets));
  for (const [subpath, value] of Object.entries(pkg.exports)) {
    for (const target of targets(value)) {
      const path = target.replace(/^\.\//, '');
      assert.ok(existsSync(`${ROOT}${path}`), `${subpath} → ${target} exists`);
      assert.ok(path === 'package.json' || shipped(path), `${subpath} → ${target} is in "files"`);
    }
    if (subpath !== './package.json') assert.ok(typeof value === 'object' && value.types, `${subpath} has types`);
  }
  assert.equal(pkg.exports['.'].node, './web/index.js');
  assert.equal(pkg.exports['.'].browser, './web/browser.js');
  assert.equal(pkg.exports['.'].default, './web/browser.js');
  for (const file of pkg.sideEffects) assert.ok(existsSync(`${ROOT}${file}`), `sideEffects: ${file}`);
  assert.ok(existsSync(`${ROOT}LICENSE`) && readFileSync(`${ROOT}LICENSE`, 'utf8').startsWith('MIT License'), 'LICENSE, as package.json says');
  assert.equal(pkg.license, 'MIT');
});
