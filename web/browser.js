// simdnet's browser entry (the package's default export condition): train
// small neural networks on a C core compiled to WebAssembly SIMD. Await
// ready() once, then use the Keras-style API. Nothing this file imports names
// a Node module; Node's entry is web/index.js.
export { ready, memoryBytes, heapBytes, threads, features } from './wasm.js';
export { sequential, Sequential, model, Model } from './model.js';
export { input, SymbolicTensor } from './graph.js';
export { layers } from './layers.js';
export { optimizers, Optimizer } from './optimizers.js';
export { schedules, LearningRateSchedule } from './schedules.js';
export { callbacks, Callback } from './callbacks.js';
export { losses } from './losses.js';
export { initializers } from './initializers.js';
export { regularizers } from './regularizers.js';
export { leakyRelu } from './activations.js';
export * as data from './data-all.js';
export { createTrainer, Trainer } from './trainer.js';
export { loadModel } from './model-load.js';
export { fromTfjs } from './tfjs.js';
export * as storage from './storage.js';
