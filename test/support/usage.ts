// The README's quick start, type-checked against web/index.d.ts by test/types.test.js.
import * as sn from '../../web/index.js';

export async function quickStart(): Promise<number> {
  await sn.ready();
  const { images, labels } = await sn.data.loadMnistDigits({ count: 100 });
  const x: Float32Array = images.subarray(0, 80 * 784);
  const y: Float32Array = sn.data.oneHot(labels.subarray(0, 80), 10);
  const model = sn.sequential({ seed: 42 });
  model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [784], kernelRegularizer: sn.regularizers.l2(0.01) }));
  model.add(sn.layers.dense({ units: 32, activation: sn.leakyRelu({ alpha: 0.1 }), kernelInitializer: sn.initializers.heNormal() }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const summary: string = model.summary();
  const h = await model.fit(x, y, {
    epochs: 2, batchSize: 30, validationSplit: 0.2, verbose: 0,
    callbacks: { onEpochEnd: (epoch: number, logs) => void logs.loss, onBatchEnd: (batch, logs) => void logs.size },
  });
  const losses: number[] = h.history.loss;
  const { loss, accuracy } = model.evaluate(x, y);
  const probs: Float32Array = model.predict(x);
  const classes: Int32Array = model.predictClasses(x);
  const { grads } = model.computeGradients(x, y);
  model.optimizer?.applyGradients(grads);
  const weights = model.getWeights();
  model.setWeights(weights.map((w) => w.values));
  const perSample: Float32Array = sn.losses.asymmetric({ cost: 1, profit: 99 }).compute([[1]], [[0.5]]);
  const file: Uint8Array = model.save({ includeOptimizer: true });
  const copy = sn.loadModel(file);
  const { modelJson, weightsBin } = copy.toTfjs();
  const imported = sn.fromTfjs(JSON.stringify(modelJson), weightsBin);
  await sn.storage.saveModelToIndexedDB(imported, 'mnist').catch(() => undefined); // no IndexedDB in Node
  copy.dispose();
  imported.dispose();
  model.dispose();
  return summary.length + losses.length + loss + accuracy + probs.length + classes.length + perSample[0] + sn.heapBytes();
}

// The relaxed-SIMD build, opt in (issue 12).
export async function relaxedSimd(): Promise<boolean> {
  await sn.ready({ relaxedSimd: true, threads: 2 });
  const { module, threads, relaxedSimd, simd }: sn.Features = sn.features();
  const trainer = sn.createTrainer({ layers: [{ units: 2, inputShape: [3] }], compile: { optimizer: 'sgd', loss: 'mse' } }, { relaxedSimd: true });
  const inWorker: boolean = (await trainer.ready).features.relaxedSimd;
  return module === 'simdnet-relaxed-mt.wasm' && threads === 2 && relaxedSimd && simd && inWorker;
}

// Optimizers, schedules, callbacks, dropout and activity regularizers (issue 3).
export async function optimizerSuite(): Promise<number> {
  await sn.ready();
  const schedule = sn.schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 0.01, warmupSteps: 10 });
  const rate: number = schedule(5) + schedule.at(50) + sn.optimizers.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 })(3);
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 8, activation: 'relu', inputShape: [4], activityRegularizer: sn.regularizers.l1(0.01) }));
  model.add(sn.layers.dropout({ rate: 0.2, seed: 3 }));
  model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adamw({ learningRate: schedule, weightDecay: 0.01, globalClipNorm: 1 }), loss: 'categoricalCrossentropy' });
  const x = new Float32Array(40), y = sn.data.oneHot(new Int32Array(10), 2);
  await model.fit(x, y, {
    epochs: 3, validationSplit: 0.2,
    callbacks: [sn.callbacks.earlyStopping({ patience: 1, restoreBestWeights: true }), sn.callbacks.terminateOnNaN(), { onEpochEnd: (e: number) => void e }],
  });
  const opt = sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, dampening: 0.9 });
  const w = [new Float32Array(3), new Float32Array(2)];
  opt.step(w, [[1, 2, 3], new Float32Array(2)]);
  opt.learningRate = 0.05;
  const iterations: number = opt.iterations;
  opt.dispose();
  const other = sn.optimizers.sgd({ learningRate: 0.1 });
  const scheduler = sn.callbacks.learningRateScheduler((epoch, lr) => lr * 0.9);
  model.compile({ optimizer: 'nadam', loss: 'mse' });
  model.dispose();
  return rate + iterations + other.learningRate + (scheduler ? 1 : 0);
}

// The README's Worker example (sn.createTrainer); type-checked only, since Node has no Web Workers.
export async function inAWorker(x: Float32Array, y: Float32Array): Promise<number> {
  const trainer = sn.createTrainer({
    seed: 42,
    layers: [{ units: 64, activation: 'relu', inputShape: [784] }, { type: 'dropout', rate: 0.2 }, { units: 10, activation: 'softmax' }],
    compile: { optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
  });
  const { paramCount } = await trainer.ready;
  const history = await trainer.fit(x, y, {
    epochs: 10, batchSize: 30, validationSplit: 0.2,
    callbacks: {
      onBatchEnd: (batch, logs, { epoch, batches }) => void (logs.loss + epoch + batches),
      onEpochEnd: (epoch, logs) => void logs.val_loss,
      onProgress: ({ fraction, etaMs }) => void (fraction + etaMs),
    },
  });
  trainer.pause();
  trainer.resume();
  trainer.stop();
  const probs: Float32Array = await trainer.predict(x.subarray(0, 784));
  const { accuracy } = await trainer.evaluate(x, y);
  const weights = await trainer.getWeights();
  trainer.terminate();
  return paramCount + history.history.loss.length + Number(history.stopped) + probs.length + accuracy + weights.length;
}

// sn.createTrainer(model): a copy of a compiled model trains in the Worker.
export async function modelInAWorker(model: sn.Sequential, x: Float32Array, y: Float32Array): Promise<number> {
  const trainer = sn.createTrainer(model, { relaxedSimd: false });
  const { inputs, outputs } = await trainer.ready;
  await trainer.fit(x, y, { epochs: 1, transfer: true });
  const probs: Float32Array = await trainer.predict(x);
  trainer.terminate();
  return inputs.length + outputs[0].size + probs.length;
}

// simdnet/node: model files on disk.
import { loadModelFile, loadTfjsFiles, saveModelFile, saveTfjsFiles } from '../../web/io/node-files.js';

export async function nodeFiles(model: sn.Sequential): Promise<number> {
  await saveModelFile(model, '/tmp/model.simdnet', { includeOptimizer: false });
  await saveTfjsFiles(model, '/tmp/tfjs-model');
  const a = await loadModelFile('/tmp/model.simdnet');
  const b = await loadTfjsFiles('/tmp/tfjs-model/model.json');
  return a.paramCount() + b.paramCount();
}

// TF.js' LayersModel members (issue 10), weightDecay on any optimizer, the browser entry's types.
export async function layersModel(): Promise<number> {
  const browser: typeof import('../../web/browser.js') = await import('../../web/browser.js');
  await browser.ready();
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 4, inputShape: [28, 28] }));
  model.add(sn.layers.dense({ units: 2, name: 'out' }));
  model.compile({ optimizer: sn.optimizers.rmsprop({ weightDecay: 0.01 }), loss: 'mse' });
  const layer: sn.ModelLayer = model.getLayer('out');
  layer.setWeights(layer.getWeights().map((w) => w.values));
  const shape: Array<number | null> = model.inputs[0].shape.concat(model.outputs[0].shape, layer.outputShape);
  const text: string = model.summary(80, [0.4, 0.8, 1], console.log);
  return model.countParams() + model.layers.length + layer.countParams() + shape.length + text.length + model.getLayer(0).weights.length;
}

// The README's CNN (issue 11): every new layer, batch norm's weights, a Worker spec.
export async function convolutional(x: Float32Array, y: Float32Array): Promise<number> {
  await sn.ready();
  const model = sn.sequential({ seed: 42 });
  model.add(sn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  model.add(sn.layers.conv2d({ filters: 16, kernelSize: [3, 3], strides: 1, padding: 'same', dilationRate: 1, useBias: false, kernelRegularizer: 'l2' }));
  model.add(sn.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3, center: true, scale: false, movingVarianceInitializer: 'ones' }));
  model.add(sn.layers.activation({ activation: 'relu' }));
  model.add(sn.layers.reLU({ maxValue: 6 }));
  model.add(sn.layers.pReLU({ sharedAxes: [1, 2], alphaInitializer: 'zeros', alphaRegularizer: 'l2' }));
  model.add(sn.layers.leakyReLU({ alpha: 0.3 }));
  model.add(sn.layers.elu({ alpha: 1 }));
  model.add(sn.layers.thresholdedReLU({ theta: 0.5 }));
  model.add(sn.layers.softmax({ axis: -1 }));
  model.add(sn.layers.activation({ activation: { name: 'hardSigmoid', slope: 0.2 } }));
  model.add(sn.layers.activation({ activation: 'gelu' }));
  model.add(sn.layers.averagePooling2d({ poolSize: [2, 2], strides: null, padding: 'valid' }));
  model.add(sn.layers.dropout({ rate: 0.25 }));
  model.add(sn.layers.conv2d({ filters: 4, kernelSize: 1 }));
  model.add(sn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false, depthwiseInitializer: 'heNormal' }));
  model.add(sn.layers.separableConv2d({ filters: 4, kernelSize: [3, 3], padding: 'same', pointwiseRegularizer: 'l2' }));
  model.add(sn.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', outputPadding: null }));
  model.add(sn.layers.globalMaxPooling2d());
  model.add(sn.layers.reshape({ targetShape: [2, -1] }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  const spare: sn.Layer[] = [sn.layers.globalAveragePooling2d(), sn.layers.dropout(0.1), sn.layers.maxPooling2d()];
  const shapes: sn.Layer[] = [
    sn.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), sn.layers.zeroPadding2d({ padding: [1, 2] }), sn.layers.zeroPadding2d(),
    sn.layers.cropping2d({ cropping: 1 }), sn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }), sn.layers.upSampling2d(),
  ];
  // Sequences (issue 24): token ids, the 1-D layers.
  const sequence: sn.Layer[] = [
    sn.layers.embedding({ inputDim: 100, outputDim: 8, inputLength: 20, embeddingsRegularizer: 'l2', maskZero: false }),
    sn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: [2] }), sn.layers.maxPooling1d({ poolSize: 2, strides: [2] }),
    sn.layers.averagePooling1d(), sn.layers.zeroPadding1d({ padding: [1, 2] }), sn.layers.cropping1d({ cropping: 1 }), sn.layers.upSampling1d({ size: 2 }),
    sn.layers.globalAveragePooling1d(), sn.layers.globalMaxPooling1d(),
  ];
  const ids = sn.sequential({ layers: [sequence[0], sequence[7], sn.layers.dense({ units: 2 })] });
  const idPredictions: Float32Array = ids.predict(new Int32Array(40));
  ids.dispose();
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const nested: number[][][][] = [[[[0]]]];
  const probs: Float32Array = model.predict(x.length ? x : nested);
  const { grads } = model.computeGradients(x, y);
  model.applyGradients(grads);
  const moving = model.getWeights().filter((w) => w.name.endsWith('moving_variance'));
  const trainer = sn.createTrainer({
    seed: 1,
    layers: [
      { type: 'reshape', targetShape: [28, 28, 1], inputShape: [784] },
      { type: 'conv2d', filters: 8, kernelSize: 5, activation: 'relu' },
      { type: 'MaxPooling2D', poolSize: 2 },
      { type: 'zeroPadding2d', padding: 1 },
      { type: 'UpSampling2D', size: 2, interpolation: 'nearest' },
      { type: 'cropping2d', cropping: [[1, 1], [2, 2]] },
      { type: 'batchNormalization' },
      { type: 'flatten' },
      { units: 10, activation: 'softmax' },
    ],
    compile: { optimizer: 'adam', loss: 'categoricalCrossentropy' },
  });
  const { paramCount } = await trainer.ready;
  trainer.terminate();
  model.dispose();
  return probs.length + moving.length + model.paramCount() + paramCount + spare.length + shapes.length + sequence.length + idPredictions.length;
}

// Recurrent layers (issue 24): a sequence classifier.
export async function sequences(): Promise<number> {
  await sn.ready();
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.lstm({ units: 8, inputShape: [10, 3], returnSequences: true, recurrentInitializer: sn.initializers.orthogonal({ gain: 1 }) }));
  model.add(sn.layers.gru({ units: 6, resetAfter: false, recurrentActivation: { name: 'hardSigmoid', slope: 0.2 }, goBackwards: true }));
  model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  const spare: sn.Layer = sn.layers.simpleRNN({ units: 4, activation: 'relu', unroll: false, implementation: 2, dropout: 0.2, seed: 3 });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  // Keras masks: padded ids, padded steps.
  const tagger = sn.sequential({ layers: [
    sn.layers.embedding({ inputDim: 11, outputDim: 4, maskZero: true, inputShape: [6] }),
    sn.layers.lstm({ units: 3, returnSequences: true, zeroOutputForMask: true }),
    sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2, activation: 'softmax' }) }),
  ] });
  const padded: sn.Layer = sn.layers.masking({ maskValue: -1, inputShape: [10, 3] });
  const n = model.paramCount() + tagger.paramCount() + (spare.units ?? 0) + (padded.type === 'Masking' ? 1 : 0);
  model.dispose();
  tagger.dispose();
  return n;
}

// Bidirectional, returned and initial states, recurrent dropout (issue 24): a tagger and an encoder–decoder.
export async function states(): Promise<number> {
  await sn.ready();
  const tagger = sn.sequential({ seed: 1 });
  tagger.add(sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 8, returnSequences: true, recurrentDropout: 0.2 }), inputShape: [12, 5] }));
  tagger.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 4, activation: 'softmax' }) }));
  const source = sn.input({ shape: [10, 6] }), target = sn.input({ shape: [7, 6] });
  const [, h, c] = sn.layers.lstm({ units: 16, returnState: true }).apply(source);
  const decoded = sn.layers.lstm({ units: 16, returnSequences: true }).apply(target, { initialState: [h, c] });
  const [forward, backward] = sn.layers.bidirectional({ layer: sn.layers.gru({ units: 3 }), mergeMode: null }).apply(decoded);
  const model = sn.model({ inputs: [source, target], outputs: [sn.layers.dense({ units: 6, activation: 'softmax' }).apply(decoded), forward, backward] });
  const n = tagger.paramCount() + model.paramCount() + h.tensorIndex;
  tagger.dispose(), model.dispose();
  return n;
}

// The functional API (issue 22): a residual block, two inputs and two outputs, freezing.
export async function functional(): Promise<number> {
  await sn.ready();
  const x = sn.input({ shape: [4], name: 'x' }), side = sn.input({ shape: [2], name: 'side' });
  const h = sn.layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const sum = sn.layers.add().apply([h, sn.layers.dense({ units: 8 }).apply(h)]);
  const joined = sn.layers.concatenate().apply([sum, side]);
  const cls = sn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
  const reg = sn.layers.dense({ units: 1, name: 'reg' }).apply(joined);
  const model = sn.model({ inputs: [x, side], outputs: [cls, reg], seed: 1 });
  model.getLayer('cls').trainable = false;
  model.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'mse' }, lossWeights: { cls: 1, reg: 0.5 }, metrics: { cls: ['accuracy'] } });
  const history = await model.fit({ x: new Float32Array(8), side: new Float32Array(4) }, [[0, 1], new Float32Array(2)], { epochs: 1 });
  const out = model.predict([new Float32Array(4), new Float32Array(2)]);
  const extractor = sn.model({ inputs: model.inputs, outputs: model.getLayer('concatenate').output });
  const n = (Array.isArray(out) ? out.length : 0) + history.history.cls_loss.length + model.trainableWeights.length + extractor.countParams();
  extractor.dispose();
  model.dispose();
  return n;
}

// Pretrained TF.js weights (issue 23): sharded and quantized, from bytes, a function or over HTTP.
export async function tfjsWeights(modelJson: object, shards: Uint8Array[]): Promise<number> {
  const fromBytes: sn.Sequential = sn.fromTfjs(modelJson, shards);
  const fromFunction = await sn.fromTfjs(modelJson, async (path: string) => shards[path.endsWith('2') ? 1 : 0]);
  const functional: sn.Model = await sn.loadTfjsModel<sn.Model>('/models/mobilenet/model.json', { seed: 1, requestInit: { credentials: 'same-origin' } });
  const fetched = await sn.loadTfjsModel(new URL('https://example.com/model.json'), { fetchFunc: (url, init) => fetch(url, init) });
  const n = fromBytes.paramCount() + fromFunction.paramCount() + functional.paramCount() + fetched.paramCount();
  for (const m of [fromBytes, fromFunction, functional, fetched]) m.dispose();
  return n;
}
