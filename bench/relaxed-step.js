// One measurement of the training step for bench/relaxed.js, in Node (its own
// process, since ready() instantiates once) or on bench/relaxed.html:
//   node [--experimental-wasm-relaxed-simd] bench/relaxed-step.js READY_OPTIONS_JSON SPEC_JSON ROWS
// builds the model of SPEC (an entry of bench/common.js's MODELS) on ROWS rows
// of synthetic data, trains a warm-up epoch, then times one fit of 4 epochs;
// prints JSON { features, samplesPerSecond }.
import * as sn from '../web/index.js';

export async function stepRate(readyOptions, spec, rows) {
  await sn.ready(readyOptions);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x = Float32Array.from({ length: rows * 784 }, next), labels = Uint8Array.from({ length: rows }, () => Math.floor(next() * 10));
  const model = sn.sequential({ seed: 1 });
  spec.layers.forEach(([units, activation], i) => model.add(sn.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [784] } : {}) })));
  const optimizer = spec.opt === 'adam' ? sn.optimizers.adam({ learningRate: spec.lr }) : sn.optimizers.sgd({ learningRate: spec.lr });
  model.compile({ optimizer, loss: spec.loss });
  const y = sn.data.oneHot(labels, 10), fit = (epochs) => model.fit(x, y, { epochs, batchSize: spec.batch, shuffle: true });
  await fit(1);
  const t0 = performance.now();
  await fit(4);
  const samplesPerSecond = (4 * rows) / ((performance.now() - t0) / 1000);
  model.dispose();
  return { features: sn.features(), samplesPerSecond };
}

if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [options, spec, rows] = process.argv.slice(2);
  console.log(JSON.stringify(await stepRate(JSON.parse(options), JSON.parse(spec), Number(rows))));
}
