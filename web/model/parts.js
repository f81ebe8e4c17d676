// The hidden layers behind a layer of several outputs (web/model/graph.js): a
// recurrent layer with returnState, a Bidirectional without mergeMode. Its node's
// value holds every output side by side in each row; a slice node per output
// takes that output's columns as a value of its own (c/layer_slice.c). Slices
// are no layers of the model: it lists, names, saves and exports the layer,
// whose outputs 0, 1, 2 they make.
import { toHwc } from '../layers/common.js';

/** The kind of a slice: no weights, one C node. */
export const Slice = {
  hidden: true,
  baseName: 'slice',
  outputShape: (layer) => layer.shape,
  weights: () => [],
  addToC: (w, ptr, layer) => w.sn_model_add_slice(ptr, layer.offset, ...toHwc(layer.shape)),
};

/** The slice of output k of `source`, which starts `offset` values into each row of its node's value. */
export function sliceLayer(source, k, offset, shape) {
  const layer = { type: 'Slice', part: k, offset, shape, trainable: true };
  Object.defineProperty(layer, 'name', { get: () => `${source.name}[${k}]`, enumerable: true });
  Object.defineProperty(layer, 'kind', { value: Slice, enumerable: false });
  Object.defineProperty(layer, 'inboundNodes', { value: [], enumerable: false });
  return layer;
}
