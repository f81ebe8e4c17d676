// The small GPT the page trains (demo/gpt.js) and bench G1 measures
// (bench/gpt-run.js), compiled as nanoGPT trains it: AdamW with betas 0.9 /
// 0.99 and weight decay 0.1 on the matrices and embeddings only (biases and
// layer norms' gamma and beta excluded, nanoGPT's configure_optimizers), a
// linear warm-up then cosine decay to a tenth of the rate, gradients clipped
// to a global norm of 1, and the cross-entropy of the next character at every
// position from the logits.

/** sn.applications.gpt compiled for `iterations` steps: { vocab, context, layers, heads, width, iterations, lr, warmup, seed }. */
export function compiledGpt(sn, { vocab, context, layers, heads, width, iterations, lr = 1e-3, warmup = Math.min(100, Math.ceil(iterations / 10)), seed = 1 }) {
  const model = sn.applications.gpt({ vocabularySize: vocab, sequenceLength: context, numLayers: layers, numHeads: heads, hiddenDim: width, seed });
  const learningRate = sn.schedules.cosineDecay({ initialLearningRate: 0, warmupTarget: lr, warmupSteps: warmup, decaySteps: Math.max(1, iterations - warmup), alpha: 0.1 });
  const optimizer = sn.optimizers.adamw({ learningRate, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, globalClipNorm: 1, excludeFromWeightDecay: ['bias', 'gamma', 'beta'] });
  model.compile({ optimizer, loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  return model;
}
