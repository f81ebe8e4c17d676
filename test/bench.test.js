// The bench's own helpers (no timing here): the parameter and FLOP counts
// behind its GFLOP/s figures, checked against hand counts and against TF.js'
// own layers; and the README rewrite between its marker comments.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { MODELS, architecture, graphModel } from '../bench/common.js';
import { describe, paramCount, trainingFlops } from '../bench/flops.js';
import { gptBlock, kernelsBlock, markdownTable, relaxedBlock, sequenceBlock, threadsBlock, transferBlock, writeReadme } from '../bench/readme.js';

await tf.setBackend('cpu');
await sn.ready();
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const model = (name) => MODELS.find((m) => m.name === name);

test('the reference CNNs have their published parameter counts', () => {
  assert.equal(paramCount(model('M4')), 5994); // TF.js tutorial
  assert.equal(paramCount(model('M5')), 34826); // Keras mnist_convnet
  assert.deepEqual(describe(model('M4')).map((l) => l.outShape), [[24, 24, 8], [12, 12, 8], [8, 8, 16], [4, 4, 16], [256], [10]]);
  assert.deepEqual(describe(model('M5')).map((l) => l.outShape), [[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [1600], [10]]);
});

test('parameter counts match TF.js building the same layers', () => {
  for (const spec of MODELS.filter((m) => m.layers)) {
    const m = tf.sequential();
    for (const [i, l] of spec.layers.entries()) {
      const input = i === 0 ? { inputShape: spec.input } : {};
      m.add({ dense: () => tf.layers.dense({ units: l.units, ...input }), conv2d: () => tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, ...input }),
        maxPooling2d: () => tf.layers.maxPooling2d({ poolSize: l.poolSize }), flatten: () => tf.layers.flatten(), dropout: () => tf.layers.dropout({ rate: l.rate }) }[l.type]());
    }
    assert.equal(paramCount(spec), m.countParams(), spec.name);
    m.dispose();
  }
});

test('R1, the small ResNet: its shapes, and the same parameters in simdnet and TF.js built from its nodes', () => {
  const spec = model('R1');
  const nodes = describe(spec);
  assert.equal(architecture(spec), 'conv 3×3×8 stride 2 → 2 residual blocks ×8 → 2 residual blocks ×16 (stride 2, 1×1 projection) → ' +
    'global average pool → dense 10, batch norm after every conv');
  assert.equal(nodes.filter((n) => n.type === 'add').length, 4, 'two stages of two residual blocks');
  assert.deepEqual(nodes.filter((n) => n.type === 'conv2d').map((n) => `${n.kernelSize}:${n.outShape}`),
    ['3:14,14,8', '3:14,14,8', '3:14,14,8', '3:14,14,8', '3:14,14,8', '3:7,7,16', '3:7,7,16', '1:7,7,16', '3:7,7,16', '3:7,7,16']);
  // The projection: a 1×1 conv with stride 2 on the stage's input, added to the block's second conv.
  const projection = nodes.findIndex((n) => n.kernelSize === 1), blockConv = nodes.findIndex((n, i) => i > 0 && n.strides === 2);
  assert.deepEqual([nodes[projection].strides, nodes[projection].inputs], [2, nodes[blockConv].inputs], 'the shortcut reads the block\'s input');
  assert.ok(nodes.some((n) => n.type === 'add' && n.inputs.includes(projection + 1)), 'its batch norm goes into an add');
  assert.deepEqual(nodes.at(-1).outShape, [10]);
  // Hand count: convs without bias, 4 values per channel per batch norm (2 of them moving statistics), the dense layer.
  const convs = 9 * 8 + 4 * 9 * 8 * 8 + 9 * 8 * 16 + 3 * 9 * 16 * 16 + 8 * 16, norms = 4 * (5 * 8 + 5 * 16);
  assert.equal(paramCount(spec), convs + norms + 16 * 10 + 10);
  const tfModel = graphModel(tf, spec);
  assert.equal(tfModel.countParams(), paramCount(spec));
  assert.equal(tfModel.layers.filter((l) => l.getClassName() === 'Add').length, 4);
  tfModel.dispose();
  const snModel = graphModel(sn, spec, { seed: 1 });
  assert.equal(snModel.countParams(), paramCount(spec));
  assert.deepEqual(snModel.outputs[0].shape, [null, 10]);
  assert.equal(snModel.layers.filter((l) => l.type === 'Add').length, 4);
  snModel.dispose();
});

test('training FLOPs: 6 × forward multiply-adds − 2 × the first layer\'s', () => {
  // Hand counts: conv output h·w·filters, each k·k·channels multiply-adds.
  const m4 = { macs: 24 * 24 * 8 * 25 + 8 * 8 * 16 * 25 * 8 + 256 * 10, firstMacs: 24 * 24 * 8 * 25 };
  assert.deepEqual(trainingFlops(model('M4')), { ...m4, flops: 6 * m4.macs - 2 * m4.firstMacs });
  const m5 = { macs: 26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 10, firstMacs: 26 * 26 * 32 * 9 };
  assert.deepEqual(trainingFlops(model('M5')), { ...m5, flops: 6 * m5.macs - 2 * m5.firstMacs });
  // Dense networks: the multiply-adds are the weights (no biases).
  const weights = 784 * 512 + 512 * 256 + 256 * 10;
  assert.equal(trainingFlops(model('M3')).flops, 6 * weights - 2 * 784 * 512);
  assert.equal(paramCount(model('M3')), weights + 512 + 256 + 10);
  assert.throws(() => describe({ input: [28, 28, 1], layers: [{ type: 'dense', units: 3 }] }), /flatten first/);
});

test('the README rewrite replaces only what is between its markers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-bench-'));
  try {
    const path = join(dir, 'README.md');
    const results = {
      machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', tfjs: '4.22.0', jax: '0.1.25', convnetjs: '0.3.0', rounds: 5, loadavg: [0, 0, 0], date: '2000-01-01', data: 'test data' },
      models: {
        M1: { simdnet: { samplesPerSecond: 60000 }, 'tfjs-wasm': { samplesPerSecond: 6000, how: 'fit' }, 'jax-js': { samplesPerSecond: 20000 } },
        M4: { simdnet: { unavailable: 'no conv layers in this build' }, 'tfjs-wasm': { unavailable: 'error: not registered' }, convnetjs: { samplesPerSecond: 200 } },
      },
    };
    const others = ['kernels', 'threads', 'relaxed', 'transfer', 'sequence', 'gpt'].map((b) => `<!-- bench:${b} -->\nold ${b}\n<!-- /bench:${b} -->\n`).join('');
    writeFileSync(path, `before\n<!-- bench:machine -->\nold line\n<!-- /bench:machine -->\nmiddle\n<!-- bench:table -->\nold table\n<!-- /bench:table -->\n${others}after\n`);
    writeReadme(path, results);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^before\n<!-- bench:machine -->\nMeasured with `npm run bench` on 2000-01-01: Test CPU, 2 cores/);
    assert.match(text, /\n<!-- \/bench:machine -->\nmiddle\n<!-- bench:table -->\n\| model/);
    assert.match(text, /\| M1 784-64-10, Adam 0\.01, batch 50 \| 60,000 \| 6,000 \(fit\) \| 10\.0 \| 20,000 \| 3\.0 \|/);
    assert.match(text, /\| M4 TF\.js tutorial CNN: .* \| n\/a† \| error‡ \| — \| — \| — \| 200 \| — \| — \| — \|/);
    assert.match(text, /\n\n† simdnet: no conv layers in this build\.\n\n‡ TF\.js wasm: not registered\.\n<!-- \/bench:table -->\n<!-- bench:kernels -->\n/);
    // A run without those figures says so in their blocks.
    assert.match(text, /<!-- bench:threads -->\nNot measured in this run \(no model run\)\.\n<!-- \/bench:threads -->/);
    assert.match(text, /<!-- bench:relaxed -->\nNot measured in this run \(not run\)\.\n<!-- \/bench:relaxed -->\n<!-- bench:transfer -->\nNot measured in this run \(not run\)\.\n<!-- \/bench:transfer -->\n<!-- bench:sequence -->\nNot measured in this run \(not run\)\.\n<!-- \/bench:sequence -->\n<!-- bench:gpt -->\nNot measured in this run \(not run\)\.\n<!-- \/bench:gpt -->\nafter\n$/);
    assert.doesNotMatch(text, /old/);
    assert.equal(markdownTable(results).split('\n').length, 2 + 2 + 4);
    writeFileSync(path, 'no markers\n');
    assert.throws(() => writeReadme(path, results), /no <!-- bench:machine -->/);
    assert.equal(readFileSync(path, 'utf8'), 'no markers\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README\'s kernel, threads and relaxed-SIMD blocks say what the run measured', () => {
  const gemm = { nn_784x512: 40, tn_784x512: 44, nt_784x512: 42 };
  const results = {
    models: { M3: { simdnet: { samplesPerSecond: 10000 } }, M5: { simdnet: { samplesPerSecond: 1000 } } },
    kernels: {
      wasm: { peak: 44, gemm, steps: { m3: { samples_per_s: 10000, gflops: 40 }, m5: { samples_per_s: 1000, gflops: 30 } } },
      native: { peak: 50, gemm: { nn_784x512: 48, tn_784x512: 49, nt_784x512: 50 }, steps: { m3: { samples_per_s: 12000, gflops: 48 } } },
    },
    threads: {
      M1: { cores: 2, one: 100, all: 150, sameBits: true, rows: 12000, memory: { 1: 2 ** 21, 2: 3 * 2 ** 20 } },
      M3: { cores: 2, one: 100, all: 180, sameBits: false, rows: 2000, memory: { 1: 2 ** 20, 2: 2 ** 20 } },
      M4: { unavailable: 'no conv layers in this build' },
    },
    relaxed: { rounds: 3, engines: [{ name: 'Node v20.0.0', clock: 'CPU time', ratios: { peak: 1.3, gemmMin: 1.15, gemmMax: 1.2, m3Step: 1.17 }, steps: { M1: { ratio: 1.08 }, M3: { ratio: 1.16 } } }] },
  };
  const kernels = kernelsBlock(results).split('\n');
  assert.equal(kernels[0], '| C kernels (`bench/kernels_bench.c`), GFLOP/s, best of 7 | nn 784×512 | tn 784×512 | nt 784×512 | peak | M3 step | M4 step | M5 step |');
  assert.equal(kernels[2], '| wasm SIMD (emcc -O3 -msimd128, Node) | 40.0 | 44.0 | 42.0 | 44.0 | 40.0 | — | 30.0 |');
  assert.equal(kernels[3], '| native (gcc -O3 -march=native) | 48.0 | 49.0 | 50.0 | 50.0 | 48.0 | — | — |');
  const said = kernels.slice(4).join(' ');
  assert.match(said, /The wasm M3 step runs 1\.20× slower than the same C compiled natively/);
  // Library GFLOP/s: samples/s × the models' FLOPs per sample, M5 ÷ M3.
  const library = Math.round((100 * 1000 * trainingFlops(model('M5')).flops) / (10000 * trainingFlops(model('M3')).flops));
  assert.match(said, new RegExp(`M5 step reaches 75% of the M3 step's GFLOP/s in the C harness and ${library}% in the library`));
  assert.match(said, /the wasm GEMMs run at 91–100% of the peak and the M3 step at 91%\./);
  assert.match(kernelsBlock({ kernels: { wasm: { peak: 44, gemm, steps: {} } } }), /\| native \(gcc -O3 -march=native\): not run \(--no-native\) \| — \|/);

  const threads = threadsBlock(results).split('\n');
  assert.deepEqual(threads.slice(0, 4), [
    '| threaded build, 2 cores | M1 | M3 |', '|---|---:|---:|',
    '| 2 threads ÷ 1 (final weights NOT bit-identical) | 1.50× | 1.80× (bits differ) |',
    '| peak wasm memory, 1 / 2 threads (MiB, its data inside) | 2.0 / 3.0 | 1.0 / 1.0 |',
  ]);
  assert.match(threads.slice(5).join(' '), /rows of data copied in: M1 12,000, M3 2,000\.$/);

  const relaxed = relaxedBlock(results).split('\n');
  assert.equal(relaxed[0], '| relaxed-SIMD build ÷ default build, 1 thread | multiply-add peak | GEMMs | M3 step (C) | M1 (library) | M3 (library) |');
  assert.equal(relaxed[2], '| Node v20.0.0 | 1.30× | 1.15–1.20× | 1.17× | 1.08× | 1.16× |');
  assert.match(relaxed.slice(3).join(' '), /3 alternating rounds .* per second of CPU time in Node\./);
  assert.equal(relaxedBlock({ relaxed: { skipped: '--no-relaxed' } }), 'Not measured in this run (--no-relaxed).');
});

test('the README\'s transfer-learning block: images/s, ratios to TF.js, threads, memory, and why an engine has no figure', () => {
  const transfer = {
    T1: { simdnet: { imagesPerSecond: 30 }, threads: { imagesPerSecond: 50, threads: 2 }, 'tfjs-wasm': { imagesPerSecond: 15 }, 'tfjs-cpu': { imagesPerSecond: 0.5 }, memory: { 8: 2 ** 27, 32: 2 ** 29 } },
    T3: { simdnet: { imagesPerSecond: 25 }, 'tfjs-wasm': { unavailable: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" }, 'tfjs-cpu': { imagesPerSecond: 0.025 }, memory: { 8: 2 ** 28, 32: 3 * 2 ** 28 } },
  };
  const lines = transferBlock({ transfer }).split('\n');
  assert.equal(lines[0], '| MobileNetV2, 224×224×3, batch 8, images/s | simdnet | simdnet, 2 threads | TF.js wasm | × | TF.js cpu | × | simdnet memory, batch 8 / 32 (MiB) |');
  assert.equal(lines[2], '| T1 predict | 30.0 | 50.0 | 15.0 | 2.00× | 0.500 | 60× | 128 / 512 |');
  assert.equal(lines[3], "| T3 fit, the last 30 layers (1.7 M weights) | 25.0 | — | — (Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm') | — | 0.025 | 1000× | 256 / 768 |");
  assert.equal(transferBlock({ transfer: { skipped: 'no T model asked for' } }), 'Not measured in this run (no T model asked for).');
});

test('the README\'s sequence block: samples/s, ratios to TF.js, GFLOP/s from the FLOPs per sample, and why an engine has no figure', async () => {
  const { sequenceFlops } = await import('../bench/sequence.js');
  // S1 by hand: 40 steps × 4 gates × 128 units × (60 inputs + 128 recurrent), plus 128 × 60 dense; × 6, less the input gradient (2 × 40·60·512).
  assert.equal(sequenceFlops('S1'), 6 * (40 * 60 * 512 + 40 * 128 * 512 + 128 * 60) - 2 * 40 * 60 * 512);
  assert.equal(sequenceFlops('S2'), 6 * (100 * 64 * 384 + 100 * 128 * 384 + 128 * 96));
  const sequence = {
    S1: { flops: 2e7, simdnet: { samplesPerSecond: 1000 }, threads: { samplesPerSecond: 1700, threads: 2 }, 'tfjs-wasm': { samplesPerSecond: 50 }, 'tfjs-cpu': { samplesPerSecond: 12.5 },
      'jax-js': { samplesPerSecond: 250 } },
    S2: { flops: 1e7, simdnet: { samplesPerSecond: 500 }, 'tfjs-wasm': { unavailable: "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'" }, 'tfjs-cpu': { samplesPerSecond: 2.5 } },
  };
  const lines = sequenceBlock({ sequence, kernels: { wasm: { peak: 40 } } }).split('\n');
  assert.equal(lines[0], '| Batch 128, Adam, samples/s | simdnet | simdnet, 2 threads | TF.js wasm | × | TF.js cpu | × | jax-js | × | simdnet GFLOP/s (wasm peak 40.0) |');
  assert.equal(lines[2], '| S1 one-hot windows of 40 characters (60) → LSTM 128 → Dense 60 | 1000 | 1700 | 50.0 | 20× | 12.5 | 80× | 250 | 4.00× | 20.0 |');
  assert.equal(lines[3], "| S2 ids, 100 steps → Embedding 64 → GRU 128 → Dense 96 | 500 | — | — (Kernel 'UnsortedSegmentSum' not registered for backend 'wasm') | — | 2.5 | 200× | — | — | 5.0 |");
  assert.equal(sequenceBlock({ sequence: { skipped: 'no S model asked for' } }), 'Not measured in this run (no S model asked for).');
});

test('the README\'s G1 block: tokens/s, the 2000 iterations\' minutes, losses, generation, and why an engine has no figure', async () => {
  const { gptFlops, G1 } = await import('../bench/gpt-run.js');
  // Per layer 12 width² (q, k, v, output; feed-forward 4× up and down) + 2 context·width (scores, weighted sum), the head; × 6.
  assert.equal(gptFlops(G1, 96), 6 * (4 * (12 * 128 * 128 + 2 * 64 * 128) + 128 * 96));
  const e = (tps) => ({ tokensPerSecond: tps, minutes2000: (2000 * 768) / tps / 60, loss: 2.5, valLoss: 2.625 });
  const gpt = { iterations: 20, node: { 1: { ...e(2560), generateMs: 123.4 }, 2: e(5120) }, chromium: { 1: e(2048), 2: { unavailable: 'no chromium' } }, 'jax-js': e(853.3) };
  const lines = gptBlock({ gpt }).split('\n');
  assert.equal(lines[2], '| simdnet, Node, 1 thread | 2560 | 10.0 | 2.50 / 2.63 |');
  assert.equal(lines[3], '| simdnet, Node, 2 threads | 5120 | 5.0 | 2.50 / 2.63 |');
  assert.equal(lines[5], '| simdnet, Chromium, 2 threads | — (no chromium) | — | — |');
  assert.equal(lines[6], '| jax-js (wasm, jit, 1 thread) | 853 | 30.0 | 2.50 / 2.63 |');
  assert.match(lines.slice(7).join(' '), /20 timed iterations .* Generating 500 characters with the key\/value cache took 123 ms\./);
  assert.equal(gptBlock({ gpt: { skipped: 'G1 not asked for' } }), 'Not measured in this run (G1 not asked for).');
});

test('npm run bench -- --help prints every option and exits 0; an unknown option prints the usage and fails', () => {
  const run = (...args) => spawnSync(process.execPath, [join(ROOT, 'bench/run.js'), ...args], { encoding: 'utf8' });
  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  const lines = help.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^usage: node bench\/run\.js \[options\]/);
  const options = lines.slice(1).map((l) => l.match(/^ {2}(?:-h, )?(--[a-z-]+)/)?.[1]);
  assert.deepEqual(options, ['--rounds', '--models', '--engines', '--quick', '--no-cpu', '--no-native', '--no-relaxed', '--readme', '--readme-from', '--help']);
  assert.match(help.stdout, /--models LIST +models to run, comma-separated \(default M1,M2,M3,M4,M5,R1,T1,T2,T3,S1,S2,G1\)/);
  assert.equal(run('-h').stdout, help.stdout);
  for (const args of [['--bogus'], ['--rounds'], ['--models', 'M9'], ['--engines', 'nope']]) {
    const bad = run(...args);
    assert.equal(bad.status, 2, args.join(' '));
    assert.equal(bad.stdout, '');
    assert.ok(bad.stderr.startsWith('bench: ') && bad.stderr.includes(lines[0]), bad.stderr);
    assert.doesNotMatch(bad.stderr, /\n {4}at /, 'no stack trace');
  }
});
