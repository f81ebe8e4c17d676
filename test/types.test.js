// web/index.d.ts describes the API as the README uses it: tsc --strict accepts the
// quick start, and rejects a misuse, so the declarations are not just `any`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The package's bin script, found next to its package.json (its "exports" hide the path).
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const usage = fileURLToPath(new URL('./support/usage.ts', import.meta.url));
const OPTIONS = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false'];

function typeCheck(file) {
  return new Promise((resolve) => execFile(process.execPath, [tsc, ...OPTIONS, file], (err, stdout) => resolve({ ok: !err, output: stdout })));
}

test('the quick start type-checks under --strict', async () => {
  const { ok, output } = await typeCheck(usage);
  assert.ok(ok, output);
});

test('misuse is a type error', async () => {
  const dir = mkdtempSync(join(fileURLToPath(new URL('./support/', import.meta.url)), 'tmp-types-'));
  const bad = join(dir, 'bad.ts');
  writeFileSync(bad, `import * as sn from '../../../web/index.js';
const model = sn.sequential({ seed: 1 });
model.add(sn.layers.dense({ units: 'ten' }));
model.compile({ optimizer: 'adamx', loss: 'mse' });
const p: string = model.predict([[1]]);
model.add(sn.layers.conv2d({ filters: 8, kernelSize: 5, padding: 'full' }));
model.add(sn.layers.conv2d({ filters: 8 }));
model.add(sn.layers.maxPooling2d({ poolSize: [2, 2, 2] }));
model.add(sn.layers.batchNormalization({ center: 1 }));
sn.ready({ relaxedSimd: 1 });
const imported: sn.Sequential = sn.fromTfjs({}, (path: string) => new Uint8Array(0));
model.add(sn.layers.upSampling2d({ interpolation: 'bicubic' }));
model.add(sn.layers.zeroPadding2d({ padding: [[0, 1]] }));
model.add(sn.layers.cropping2d({ cropping: '1' }));
model.add(sn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: '2' }));
model.add(sn.layers.separableConv2d({ kernelSize: 3 }));
model.add(sn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, outputPadding: 'none' }));
`);
  try {
    const { ok, output } = await typeCheck(bad);
    assert.equal(ok, false);
    assert.match(output, /bad\.ts\(3,\d+\): error TS\d+: Type 'string' is not assignable to type 'number'/, 'units must be a number');
    assert.match(output, /bad\.ts\(4,\d+\): error TS\d+: Type '"adamx"' is not assignable/, 'unknown optimizer name');
    assert.match(output, /bad\.ts\(5,\d+\): error TS\d+: Type 'Float32Array.*' is not assignable to type 'string'/, 'predict returns a Float32Array');
    assert.match(output, /bad\.ts\(6,\d+\): error TS\d+: Type '"full"' is not assignable/, 'conv2d padding');
    assert.match(output, /bad\.ts\(7,\d+\): error TS\d+: .*kernelSize/, 'conv2d needs kernelSize');
    assert.match(output, /bad\.ts\(8,\d+\): error TS\d+: Type 'number' is not assignable/, 'poolSize is a number or a pair');
    assert.match(output, /bad\.ts\(9,\d+\): error TS\d+: Type 'number' is not assignable to type 'boolean/, 'center is a boolean');
    assert.match(output, /bad\.ts\(10,\d+\): error TS\d+: Type 'number' is not assignable to type 'boolean( \| undefined)?'/, 'relaxedSimd is a boolean');
    assert.match(output, /bad\.ts\(11,\d+\): error TS\d+: Type 'Promise<Sequential>' is missing the following properties from type 'Sequential'/, 'fromTfjs with a function gives a Promise');
    assert.match(output, /bad\.ts\(12,\d+\): error TS\d+: Type '"bicubic"' is not assignable/, 'interpolation is nearest or bilinear');
    assert.match(output, /bad\.ts\(13,\d+\): error TS\d+: Type '\[\[number, number\]\]' is not assignable to type 'Border2/, 'padding [[top, bottom]] lacks its columns');
    assert.match(output, /bad\.ts\(14,\d+\): error TS\d+: Type 'string' is not assignable to type 'Border2/, 'cropping is a number or pairs');
    assert.match(output, /bad\.ts\(15,\d+\): error TS\d+: Type 'string' is not assignable to type 'number'/, 'depthMultiplier is a number');
    assert.match(output, /bad\.ts\(16,\d+\): error TS\d+: .*filters/, 'separableConv2d needs filters');
    assert.match(output, /bad\.ts\(17,\d+\): error TS\d+: Type 'string' is not assignable to type 'Size2/, 'outputPadding is a size');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
