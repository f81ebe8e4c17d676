// A small TF.js layers model as tensorflowjs_converter ships pretrained ones:
// weights quantized (uint8, uint16, float16, some float32 left), in two groups
// of shards, a weight spanning two files, and manifest entries no layer uses
// (int32, a uint8-quantized int32, bool). test/fixtures/tfjs-quantized/ holds it
// for the browser test's server; regenerate it with
//   node test/support/tfjs-quantized.js --write
// (the quantization follows tensorflowjs' quantization.py, affine with min and
// scale; the exact values do not matter: TF.js' decodeWeights is the oracle).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sn from '../../web/index.js';
import { randomArray } from './models.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/tfjs-quantized/', import.meta.url));
export const INPUT_SHAPE = [5, 5, 2];

/** uint8 / uint16 quantization: { bytes, min, scale }, value ≈ q * scale + min. */
function affine(values, bits) {
  const max = values.reduce((a, b) => Math.max(a, b), -Infinity), min = values.reduce((a, b) => Math.min(a, b), Infinity);
  const top = 2 ** bits - 1, scale = max > min ? (max - min) / top : 1;
  const q = Array.from(values, (v) => Math.min(top, Math.max(0, Math.round((v - min) / scale))));
  const bytes = bits === 8 ? Uint8Array.from(q) : new Uint8Array(Uint16Array.from(q).buffer);
  return { bytes, min, scale };
}

/** float32 → float16 bits, truncated (normal range only; enough for weights in [-2, 2]). */
function half(values) {
  const u = new Uint32Array(Float32Array.from(values).buffer);
  const out = Uint16Array.from(u, (x) => {
    const exponent = ((x >>> 23) & 0xff) - 112;
    return ((x >>> 16) & 0x8000) | (exponent <= 0 ? 0 : (exponent << 10) | ((x >>> 13) & 0x3ff));
  });
  return new Uint8Array(out.buffer);
}

/** { modelJson, files: { path: Uint8Array } } of the quantized, sharded model. */
export async function quantizedModel() {
  await sn.ready();
  const model = sn.sequential({ seed: 23, name: 'quantized' });
  model.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: INPUT_SHAPE, name: 'conv' }));
  model.add(sn.layers.batchNormalization({ name: 'bn' }));
  model.add(sn.layers.flatten({ name: 'flat' }));
  model.add(sn.layers.dense({ units: 4, activation: 'softmax', name: 'out' }));
  model.setWeights(model.getWeights().map((w, i) => (w.name === 'bn/moving_variance' ? randomArray(w.values.length, 50 + i, 0.5, 2) : randomArray(w.values.length, 50 + i))));
  const { modelJson } = model.toTfjs();
  const values = new Map(model.getWeights().map((w) => [w.name, w.values]));
  model.dispose();

  const how = { 'conv/kernel': 'uint8', 'conv/bias': 'uint16', 'bn/gamma': 'float16', 'bn/beta': 'float32', 'bn/moving_mean': 'uint8', 'bn/moving_variance': 'float16', 'out/kernel': 'uint16', 'out/bias': 'float32' };
  const entry = (name, dtype) => {
    const v = values.get(name), shape = modelJson.weightsManifest[0].weights.find((w) => w.name === name).shape;
    if (dtype === 'float32') return { spec: { name, shape, dtype }, bytes: new Uint8Array(v.buffer.slice(0)) };
    if (dtype === 'float16') return { spec: { name, shape, dtype: 'float32', quantization: { dtype, original_dtype: 'float32' } }, bytes: half(v) };
    const { bytes, min, scale } = affine(v, dtype === 'uint8' ? 8 : 16);
    return { spec: { name, shape, dtype: 'float32', quantization: { min, scale, dtype, original_dtype: 'float32' } }, bytes };
  };
  const group1 = ['conv/kernel', 'conv/bias', 'bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance'].map((n) => entry(n, how[n]));
  const group2 = [
    entry('out/kernel', how['out/kernel']),
    { spec: { name: 'optimizer/iterations', shape: [2], dtype: 'int32' }, bytes: new Uint8Array(Int32Array.of(7, -3).buffer) },
    { spec: { name: 'out/bias', shape: [4], dtype: 'float32' }, bytes: new Uint8Array(values.get('out/bias').buffer.slice(0)) },
    { spec: { name: 'extra/counts', shape: [3], dtype: 'int32', quantization: { min: -1, scale: 0.5, dtype: 'uint8', original_dtype: 'int32' } }, bytes: Uint8Array.of(0, 5, 255) },
    { spec: { name: 'extra/mask', shape: [3], dtype: 'bool' }, bytes: Uint8Array.of(1, 0, 1) },
  ];
  const join8 = (parts) => {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
    parts.reduce((at, p) => (all.set(p.bytes, at), at + p.bytes.length), 0);
    return all;
  };
  const bytes1 = join8(group1), bytes2 = join8(group2);
  const cut = 41; // inside conv/kernel's 54 uint8 bytes... and not a multiple of 2 or 4
  modelJson.weightsManifest = [
    { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: group1.map((e) => e.spec) },
    { paths: ['group2-shard1of1.bin'], weights: group2.map((e) => e.spec) },
  ];
  return { modelJson, files: { 'group1-shard1of2.bin': bytes1.slice(0, cut), 'group1-shard2of2.bin': bytes1.slice(cut), 'group2-shard1of1.bin': bytes2 } };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  const { modelJson, files } = await quantizedModel();
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeFileSync(join(FIXTURE_DIR, 'model.json'), `${JSON.stringify(modelJson)}\n`);
  for (const [path, bytes] of Object.entries(files)) writeFileSync(join(FIXTURE_DIR, path), bytes);
  console.log(`wrote ${FIXTURE_DIR}`);
}
