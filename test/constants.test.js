// C is the one source of the kinds, indices and layouts the wrapper shares with
// it: dist/constants.js, which build.sh has scripts/gen-constants.js write from the
// headers. Here: the built file is what the headers say today; a C program compiled
// from the headers prints the same constants (so a slip of the generator's parser
// cannot hide); and the wrapper's own tables (Keras' defaults) cover exactly C's
// kinds and parameters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generate } from '../scripts/gen-constants.js';
import * as constants from '../dist/constants.js';
import { initializers } from '../web/layers/initializers.js';
import { losses } from '../web/train/losses.js';
import { optimizers } from '../web/train/optimizers.js';
import { schedules } from '../web/train/schedules.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** "TABLE.key value" lines of every number and name in the tables (arrays by index), as test/c/print_constants.c prints them. */
function lines(value, path) {
  if (typeof value !== 'object') return [`${path} ${value}`];
  return Object.entries(value).flatMap(([key, v]) => lines(v, path ? `${path}.${key}` : key));
}

test('dist/constants.js is what scripts/gen-constants.js writes from the headers today', () => {
  assert.equal(readFileSync(join(ROOT, 'dist/constants.js'), 'utf8'), generate(ROOT),
    'a header changed since the last build: run `bash build.sh`');
});

test('dist/constants.js holds what the C compiler sees in the headers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-constants-'));
  try {
    const bin = join(dir, 'print_constants');
    const cc = spawnSync('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-Ic', 'test/c/print_constants.c', '-o', bin], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(cc.status, 0, `gcc: ${cc.error?.message ?? cc.stderr}`);
    const run = spawnSync(bin, { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const fromC = run.stdout.trim().split('\n');
    const fromJs = lines(constants, '');
    assert.ok(fromJs.length > 100, `${fromJs.length} constants`);
    assert.deepEqual({ onlyInJs: fromJs.filter((l) => !fromC.includes(l)), onlyInC: fromC.filter((l) => !fromJs.includes(l)) },
      { onlyInJs: [], onlyInC: [] });
    assert.equal(fromC.length, fromJs.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the wrapper's tables cover C's kinds and parameters, no more and no fewer", () => {
  const { ACTIVATION, INITIALIZER, LOSS, OPTIMIZER, SCHEDULE } = constants;
  const sorted = (keys) => [...keys].sort();

  assert.ok(Object.keys(ACTIVATION).includes('leakyRelu'));
  assert.deepEqual(sorted(Object.keys(losses)), sorted(Object.keys(LOSS)));

  assert.deepEqual(sorted(Object.keys(initializers)), sorted(Object.keys(INITIALIZER)));
  for (const [name, { params }] of Object.entries(INITIALIZER)) {
    const { name: _, ...defaults } = initializers[name]();
    assert.deepEqual(sorted(Object.keys(defaults)), sorted(params), `${name}: Keras' defaults in web/layers/initializers.js`);
  }

  const { schedules: _, ...optimizerFactories } = optimizers;
  assert.deepEqual(sorted(Object.keys(optimizerFactories)), sorted(Object.keys(OPTIMIZER)));
  for (const [name, { hp }] of Object.entries(OPTIMIZER)) {
    const { name: __, learningRate, ...defaults } = optimizers[name]().getConfig();
    assert.equal(typeof learningRate, 'number', name);
    assert.deepEqual(sorted(Object.keys(defaults)), sorted(Object.keys(hp)), `${name}: Keras' defaults in web/train/optimizers.js`);
  }

  // Each schedule fills every parameter C reads (makeSchedule refuses any other set).
  const examples = {
    exponentialDecay: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 },
    inverseTimeDecay: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 },
    polynomialDecay: { initialLearningRate: 0.1, decaySteps: 10 },
    piecewiseConstantDecay: { boundaries: [10, 20], values: [0.3, 0.2, 0.1] },
    cosineDecay: { initialLearningRate: 0.1, decaySteps: 10, warmupTarget: 0.2, warmupSteps: 5 },
    cosineDecayRestarts: { initialLearningRate: 0.1, firstDecaySteps: 10 },
  };
  assert.deepEqual(sorted(Object.keys(schedules)), sorted(Object.keys(SCHEDULE)));
  for (const [name, config] of Object.entries(examples)) {
    const { block } = schedules[name](config);
    assert.equal(block[0], SCHEDULE[name].kind, name);
    assert.ok(block.every(Number.isFinite), name);
  }
  assert.deepEqual(Array.from(schedules.piecewiseConstantDecay(examples.piecewiseConstantDecay).block.subarray(0, 8)),
    [SCHEDULE.piecewiseConstantDecay.kind, 2, 10, 20, 0.3, 0.2, 0.1, 0].map(Math.fround));
});
