// simdnet's browser entry (the package's default export condition): train
// small neural networks on a C core compiled to WebAssembly SIMD. Await
// ready() once, then use the Keras-style API. Nothing this file imports names
// a Node module; Node's entry is web/index.js.
export { ready, memoryBytes, heapBytes, threads, features } from './core/wasm.js';
export { sequential, Sequential, model, Model } from './model/model.js';
export { input, SymbolicTensor } from './model/graph.js';
export { layers } from './layers/index.js';
export { optimizers, Optimizer } from './train/optimizers.js';
export { schedules, LearningRateSchedule } from './train/schedules.js';
export { callbacks, Callback } from './train/callbacks.js';
export { losses } from './train/losses.js';
export { initializers } from './layers/initializers.js';
export { regularizers } from './layers/regularizers.js';
export { leakyRelu } from './layers/activations.js';
export * as data from './data/data-all.js';
export { createTrainer, Trainer } from './worker/trainer.js';
export { loadModel } from './io/model-load.js';
export { fromTfjs } from './io/tfjs.js';
export { loadTfjsModel } from './io/tfjs-load.js';
export * as applications from './applications/index.js';
export * as storage from './io/storage.js';
export * as text from './text/generate.js';
