// One measurement of the training step for bench/relaxed.js, in Node (its own
// process, since ready() instantiates once) or on bench/relaxed.html:
//   node [--experimental-wasm-relaxed-simd] bench/relaxed-step.js READY_OPTIONS_JSON SPEC_JSON ROWS
// builds the model of SPEC (an entry of bench/common.js's MODELS) on ROWS rows
// of synthetic data, trains a warm-up epoch, then times one fit of 4 epochs;
// prints JSON { features, samples, seconds, cpuSeconds } (cpuSeconds: this
// process's CPU time, which other jobs on a busy machine disturb less; Node only).
// The Node entry in Node, the browser entry on bench/relaxed.html (which must not meet Node's modules).
const sn = await import(globalThis.process?.versions?.node ? '../web/index.js' : '../web/browser.js');

const EPOCHS = 4;

/** ready(), the model and its warm-up epoch; then timed() trains the timed epochs. */
export async function prepareStep(readyOptions, spec, rows) {
  await sn.ready(readyOptions);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x = Float32Array.from({ length: rows * 784 }, next), labels = Uint8Array.from({ length: rows }, () => Math.floor(next() * 10));
  const model = sn.sequential({ seed: 1 });
  spec.layers.forEach(({ units, activation }, i) => model.add(sn.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [784] } : {}) }))); // dense models (M1–M3)
  const optimizer = spec.opt === 'adam' ? sn.optimizers.adam({ learningRate: spec.lr }) : sn.optimizers.sgd({ learningRate: spec.lr });
  model.compile({ optimizer, loss: spec.loss });
  const y = sn.data.oneHot(labels, 10), fit = (epochs) => model.fit(x, y, { epochs, batchSize: spec.batch, shuffle: true });
  await fit(1);
  const cpu = () => (globalThis.process?.cpuUsage ? process.cpuUsage() : null);
  return {
    features: sn.features(),
    async timed() {
      const t0 = performance.now(), c0 = cpu();
      await fit(EPOCHS);
      const seconds = (performance.now() - t0) / 1000, c1 = cpu();
      model.dispose();
      return { samples: EPOCHS * rows, seconds, cpuSeconds: c1 ? (c1.user + c1.system - c0.user - c0.system) / 1e6 : null };
    },
  };
}

if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [options, spec, rows] = process.argv.slice(2);
  const step = await prepareStep(JSON.parse(options), JSON.parse(spec), Number(rows));
  console.log(JSON.stringify({ features: step.features, ...(await step.timed()) }));
}
