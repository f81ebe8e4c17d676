// The MNIST page's networks: the dense network of the settings, the M4 CNN and
// your own stack, as sn.createTrainer takes layers ({ type, ...options }, type
// naming an sn.layers factory), each with its training defaults; and the check
// of a stack on the page's thread by the library itself.
import * as sn from '../web/browser.js';

/** One digit as the convolutional layers see it: 28×28 pixels, one channel (the data stays rows × 784). */
export const IMAGE_SHAPE = [28, 28, 1];

/** The output every network ends with: one probability per digit. */
export const outputLayer = (kernelInitializer) => ({ type: 'dense', units: 10, activation: 'softmax', ...(kernelInitializer && { kernelInitializer }) });

/** The dense network: 784 inputs, the hidden layers, 10 softmax outputs (784-64-32-10 by default). */
export function mlpLayers(hidden, activation) {
  const layers = [...hidden.map((units) => ({ type: 'dense', units, activation })), outputLayer()];
  layers[0] = { ...layers[0], inputShape: [784] };
  return layers;
}

/** TensorFlow.js' tutorial CNN (issue 11's M4); leCunNormal is what TF.js' varianceScaling initializer draws by default. */
export const M4_LAYERS = [
  { type: 'conv2d', filters: 8, kernelSize: 5, activation: 'relu', kernelInitializer: 'leCunNormal', inputShape: IMAGE_SHAPE },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'conv2d', filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: 'leCunNormal' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'flatten' },
  outputLayer('leCunNormal'),
];

/** Keras' LSTM on MNIST: each digit read as 28 steps (its rows) of 28 pixels by an LSTM of 128 units. */
export const LSTM_LAYERS = [
  { type: 'lstm', units: 128, inputShape: [28, 28] },
  outputLayer(),
];

/**
 * What "your own stack" starts as: a small CNN with batch norm and dropout, 0.94–0.96 test
 * accuracy after its 3 epochs. Batch norm's momentum 0.9 rather than Keras' 0.99: in so few
 * steps (about 300) the moving statistics would still be far from the data's, and the
 * validation loss far above the training loss.
 */
export const CUSTOM_START = [
  { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu', inputShape: IMAGE_SHAPE },
  { type: 'batchNormalization', momentum: 0.9 },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'dropout', rate: 0.25 },
  { type: 'flatten' },
  outputLayer(),
];

/** The architectures to choose from, with the settings each one starts with. */
export const ARCHITECTURES = {
  mlp: {
    name: 'dense network', // followed by its sizes: dense network 784-64-32-10
    note: 'Dense layers: the 784 pixels → the hidden layers below → 10 softmax outputs.',
    defaults: { optimizer: 'adam', lr: 0.001, batch: 30, epochs: 10 },
  },
  m4: {
    name: 'M4 CNN',
    note: "TensorFlow.js' tutorial CNN on the 28×28×1 images: conv 5×5×8 relu → max-pool 2 → conv 5×5×16 relu → max-pool 2 → flatten → dense 10 softmax.",
    defaults: { optimizer: 'adam', lr: 0.001, batch: 64, epochs: 5 },
  },
  lstm: {
    name: 'row-by-row LSTM',
    note: 'Keras\' LSTM on MNIST: each image read as a sequence of its 28 rows (28 pixels each) by an LSTM of 128 units, whose last state feeds dense 10 softmax.',
    defaults: { optimizer: 'adam', lr: 0.002, batch: 32, epochs: 5 },
  },
  custom: {
    name: 'custom stack',
    note: 'Stack layers between the 28×28×1 input and the 10 softmax outputs: the shapes and parameter counts follow as you edit.',
    defaults: { optimizer: 'adam', lr: 0.001, batch: 64, epochs: 3 },
  },
};

/**
 * Builds the layers into a model on this thread, as the Worker will: the
 * library infers the shapes and refuses what does not fit with its own Error.
 * Nothing is allocated for weights before compile() (paramCount and summary
 * ask C to lay the graph out, no more), so a huge stack costs nothing here. → { model } or { model, error, index } (the layer refused;
 * model holds the layers before it).
 */
export function checkLayers(layers) {
  const model = sn.sequential({ seed: 0 });
  for (const [index, { type, ...options }] of layers.entries()) {
    try {
      model.add(sn.layers[type](options));
    } catch (error) {
      return { model, error, index };
    }
  }
  // A dense layer works on the last axis (Keras): after an image it keeps the image's shape, which no digit label fits.
  const out = model.outputs[0]?.shape.slice(1);
  if (out && out.length > 1)
    return { model, error: new Error(`the stack ends in an output of shape (None, ${out.join(', ')}), but a digit needs one probability per class: add flatten() or a global pooling layer before the last dense layer`), index: layers.length - 1 };
  return { model };
}
