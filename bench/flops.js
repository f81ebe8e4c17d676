// Shapes, parameter counts and FLOPs of the bench's models, from their layer
// lists alone (no engine involved), so every engine can be checked against the
// same numbers and the GFLOP/s figures of run.js have one source.
//
// A model is { input: [h, w, c] or [n], layers: [{ type, ... }] } with layer
// types dense { units }, conv2d { filters, kernelSize } (stride 1, 'valid'),
// maxPooling2d { poolSize } (stride = poolSize, 'valid'), flatten and dropout;
// or a graph, { input, nodes } (see describeNodes).
//
// The training FLOPs of one sample follow the usual rule for a network of
// matrix products: the forward pass costs 2 flops per multiply-add, the
// backward pass twice that (the input gradient and the weight gradient, one
// product each), so 6 × the forward multiply-adds; the first layer needs no
// input gradient, so its 2 × multiply-adds come off. Biases, activations,
// pooling, dropout, the loss and the optimizer are not counted (they are a few
// per cent at most on these models). For a dense network the multiply-adds are
// the weights, so this is 6 × weights − 2 × first-layer weights.

/** Every layer with its output shape, parameters and forward multiply-adds per sample. */
export function describe(model) {
  if (model.nodes) return describeNodes(model);
  let shape = [...model.input];
  return model.layers.map((layer) => {
    const inShape = shape;
    let params = 0, macs = 0;
    switch (layer.type) {
      case 'dense': {
        const inputs = size(inShape);
        if (inShape.length !== 1) throw new Error(`dense after shape [${inShape}]: flatten first`);
        params = inputs * layer.units + layer.units;
        macs = inputs * layer.units;
        shape = [layer.units];
        break;
      }
      case 'conv2d': {
        const [h, w, c] = inShape, k = layer.kernelSize;
        if (inShape.length !== 3 || h < k || w < k) throw new Error(`conv2d ${k}×${k} on shape [${inShape}]`);
        shape = [h - k + 1, w - k + 1, layer.filters];
        params = k * k * c * layer.filters + layer.filters;
        macs = shape[0] * shape[1] * layer.filters * k * k * c;
        break;
      }
      case 'maxPooling2d': {
        const [h, w, c] = inShape, p = layer.poolSize;
        if (inShape.length !== 3) throw new Error(`maxPooling2d on shape [${inShape}]`);
        shape = [Math.floor(h / p), Math.floor(w / p), c];
        break;
      }
      case 'flatten':
        shape = [size(inShape)];
        break;
      case 'dropout':
        break;
      default:
        throw new Error(`unknown layer type ${layer.type}`);
    }
    return { ...layer, inShape, outShape: shape, params, macs };
  });
}

/**
 * The same for a graph model's nodes (bench/common.js's resnetNodes): conv2d
 * { filters, kernelSize, strides }, 'same' and without bias; batchNormalization
 * (gamma, beta and the moving mean and variance: 4 per channel, as TF.js counts
 * them); relu; add; globalAveragePooling2d; dense { units }.
 */
function describeNodes(model) {
  const shapes = [];
  return model.nodes.map((node) => {
    const inShape = node.inputs[0] < 0 ? model.input : shapes[node.inputs[0]];
    let shape = inShape, params = 0, macs = 0;
    switch (node.type) {
      case 'conv2d': {
        const [h, w, c] = inShape, k = node.kernelSize, s = node.strides;
        shape = [Math.ceil(h / s), Math.ceil(w / s), node.filters];
        params = k * k * c * node.filters;
        macs = shape[0] * shape[1] * node.filters * k * k * c;
        break;
      }
      case 'batchNormalization':
        params = 4 * inShape.at(-1);
        break;
      case 'add':
        if (node.inputs.some((i) => String(shapes[i]) !== String(inShape))) throw new Error(`add of shapes ${node.inputs.map((i) => `[${shapes[i]}]`).join(', ')}`);
        break;
      case 'relu':
        break;
      case 'globalAveragePooling2d':
        shape = [inShape[2]];
        break;
      case 'dense':
        params = size(inShape) * node.units + node.units;
        macs = size(inShape) * node.units;
        shape = [node.units];
        break;
      default:
        throw new Error(`unknown node type ${node.type}`);
    }
    shapes.push(shape);
    return { ...node, inShape, outShape: shape, params, macs };
  });
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** Parameters: weights and biases (and batch norms' moving statistics, which TF.js counts too). */
export const paramCount = (model) => describe(model).reduce((n, l) => n + l.params, 0);

/**
 * One sample's training FLOPs and the counts behind them:
 * { macs, firstMacs, flops = 6 · macs − 2 · firstMacs }.
 */
export function trainingFlops(model) {
  const layers = describe(model);
  const macs = layers.reduce((n, l) => n + l.macs, 0);
  const firstMacs = layers.find((l) => l.macs > 0)?.macs ?? 0;
  return { macs, firstMacs, flops: 6 * macs - 2 * firstMacs };
}
