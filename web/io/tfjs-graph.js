// Functional topologies of TF.js and Keras for sn.fromTfjs: the layers are made
// (web/io/tfjs-layers.js), then their nodes replayed with sn.input, layer.apply
// and sn.model, as Keras' functional_from_config does it.
//
// What was read (keras-team/keras, keras/src/models/functional.py:
// get_config, serialize_node, deserialize_node, functional_from_config;
// keras/src/saving/serialization_lib.py for KerasTensor; and what
// tfjs-layers 4.22 writes from a tf.model's getConfig): config is
// { name, layers, input_layers, output_layers }; each layer entry is
// { class_name, config, name, inbound_nodes }, one inbound node per
// application of the layer (a shared layer has several; an InputLayer none).
// A node is written
//   - by TF.js and Keras 2 as [[layer name, node index, tensor index, kwargs], …], one entry per input;
//   - by Keras 3 as { args: [x], kwargs: {} }, x a Keras tensor or, for a merge
//     layer, a list of them, a Keras tensor being
//     { class_name: '__keras_tensor__', config: { shape, dtype, keras_history: [layer name, node index, tensor index] } }.
// input_layers and output_layers list [layer name, node index, tensor index]
// (Keras 3 writes a single one unnested, and a dict of them for dict inputs).
// Nodes reference a layer's nodes by their index among that layer's own, so
// nodes are replayed layer by layer in list order, each node waiting until the
// nodes it reads exist (a layer shared at several depths needs several passes).
// A tensor index above 0 is an output of a layer of several (a recurrent layer's
// returnState, a Bidirectional without merge); a recurrent layer's initial
// states are further tensors of its node (TF.js, Keras 2) or Keras 3's
// kwargs.initial_state.
import { input } from '../model/graph.js';
import { createLayer } from '../layers/index.js';
import { Model } from '../model/model.js';
import { LEAKY_FOLDS, brief, convertLayer, declaredInputShape, importError, isObject, lastAxis, pick } from './tfjs-layers.js';

/** A tensor reference [layer name, node index, tensor index] as { layer, node, tensor }. */
function tensorRef(value, what) {
  if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || !Number.isInteger(value[1]) || value[1] < 0 || !Number.isInteger(value[2]) || value[2] < 0)
    throw importError(`${what}: a tensor reference must be [layer name, node index, tensor index], got ${brief(value)}`);
  return { layer: value[0], node: value[1], tensor: value[2] };
}

/** A node's call arguments beyond its inputs (training, mask, …): only none, or null ones, are supported (`allowed`: those read elsewhere). */
function checkKwargs(kwargs, what, allowed = []) {
  if (kwargs === undefined || kwargs === null) return;
  if (!isObject(kwargs)) throw importError(`${what}: its call arguments (kwargs) must be an object, got ${brief(kwargs)}`);
  const set = Object.entries(kwargs).filter(([k, v]) => v !== null && !allowed.includes(k));
  if (set.length) throw importError(`${what}: call arguments ${brief(Object.fromEntries(set))} are not supported`);
}

/** A Keras 3 tensor ({ class_name: '__keras_tensor__', config: { keras_history } }) as a reference. */
function kerasTensor(t, what) {
  const keras = isObject(t) && t.class_name === '__keras_tensor__' && isObject(t.config);
  if (!keras) throw importError(`${what}: argument ${brief(t)} is not a Keras tensor ({ class_name: "__keras_tensor__", config: { keras_history } })`);
  return tensorRef(t.config.keras_history, what);
}

/** One inbound node (either form) as the list of tensors it reads: [{ layer, node }]. */
function parseNode(node, what, className) {
  if (Array.isArray(node)) { // TF.js, Keras 2
    if (node.length === 0) throw importError(`${what}: it reads no tensor`);
    return node.map((entry) => {
      if (!Array.isArray(entry) || entry.length < 3 || entry.length > 4) throw importError(`${what}: expected [layer name, node index, tensor index, kwargs], got ${brief(entry)}`);
      checkKwargs(entry[3], what);
      return tensorRef(entry.slice(0, 3), what);
    });
  }
  if (isObject(node) && Array.isArray(node.args) && className === 'MultiHeadAttention') return attentionNode(node, what);
  if (isObject(node) && Array.isArray(node.args)) { // Keras 3
    checkKwargs(node.kwargs, what, ['initial_state']);
    if (node.args.length !== 1) throw importError(`${what}: it has ${node.args.length} positional arguments; only one (a tensor, or a list of tensors for a merge layer) is supported`);
    const tensors = Array.isArray(node.args[0]) ? node.args[0] : [node.args[0]];
    if (tensors.length === 0) throw importError(`${what}: it reads no tensor`);
    const states = node.kwargs?.initial_state ?? [];
    return [...tensors, ...(Array.isArray(states) ? states : [states])].map((t) => kerasTensor(t, what));
  }
  throw importError(`${what}: an inbound node must be a list of [layer name, node index, tensor index, kwargs] (TF.js, Keras 2) or { args, kwargs } (Keras 3), got ${brief(node)}`);
}

/**
 * A Keras 3 MultiHeadAttention node: query, value (and key) positional or as kwargs, attention_mask a tensor,
 * use_causal_mask and return_attention_scores flags: its tensors (the mask last) and `call` (web/layers/attention.js).
 */
function attentionNode(node, what) {
  const kw = isObject(node.kwargs) ? node.kwargs : {};
  checkKwargs(kw, what, ['query', 'value', 'key', 'attention_mask', 'use_causal_mask', 'return_attention_scores']);
  const [q = kw.query, v = kw.value, k = kw.key, ...rest] = node.args;
  if (rest.length || q === undefined || v === undefined) throw importError(`${what}: a MultiHeadAttention node reads query and value (and key), got ${node.args.length} positional arguments`);
  const tensors = [q, v, ...(k === undefined || k === null ? [] : [k]), ...(kw.attention_mask ? [kw.attention_mask] : [])];
  const refs = tensors.map((t) => kerasTensor(t, what));
  refs.call = { causal: kw.use_causal_mask === true, scores: kw.return_attention_scores === true, key: k !== undefined && k !== null, mask: Boolean(kw.attention_mask) };
  return refs;
}

/** input_layers or output_layers: one reference, a list of them, or a dict of them (in its order). */
function endRefs(value, what) {
  if (Array.isArray(value) && typeof value[0] === 'string') return [tensorRef(value, what)];
  const list = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : null;
  if (!list || list.length === 0) throw importError(`the functional model has no ${what} (a list of [layer name, node index, tensor index])`);
  return list.map((v) => tensorRef(v, what));
}

/** The layer entries of the topology as specs (convertLayer) with their names and parsed nodes; names must be unique. */
function layerEntries(layers, keras3) {
  const used = {}, byName = new Map();
  const specs = layers.map((layer, i) => {
    const spec = convertLayer(layer, i, used, keras3);
    if (typeof spec.name !== 'string' || spec.name === '') throw importError(`${spec.what}: a layer of a functional model needs a name`);
    if (byName.has(spec.name)) throw importError(`${spec.what}: a second layer named ${brief(spec.name)}`);
    byName.set(spec.name, spec);
    const nodes = pick(layer, 'inbound_nodes', 'inboundNodes') ?? [];
    if (!Array.isArray(nodes)) throw importError(`${spec.what}: inbound_nodes must be a list, got ${brief(nodes)}`);
    if (spec.className === 'InputLayer' && nodes.length) throw importError(`${spec.what}: an InputLayer reads nothing, but it lists inbound nodes`);
    spec.nodes = nodes.map((node, k) => parseNode(node, `${spec.what} node ${k}`, spec.className));
    return spec;
  });
  return { specs, byName };
}

/**
 * Folds back the extra layer toTfjs writes: a LeakyReLU `<X>_leaky_relu`
 * that alone reads each node of a linear Dense or Conv2D X becomes X's
 * activation. (A Flatten before a Dense stays a Flatten: a Dense in a
 * functional model works on the last axis of its input, as Keras'.) Returns
 * the specs left and where the folded layers' outputs now come from.
 */
function foldExtras(specs, byName, outputs) {
  const readers = new Map(); // "layer/node" → how many nodes (and outputs) read it
  const count = (r) => readers.set(`${r.layer}/${r.node}`, (readers.get(`${r.layer}/${r.node}`) ?? 0) + 1);
  specs.forEach((s) => s.nodes.forEach((refs) => refs.forEach(count)));
  outputs.forEach(count);
  const alias = new Map(); // "layer/node" of a folded layer → the ref that replaces it
  const folded = new Set();
  for (const s of specs) {
    const leaky = s.className === 'LeakyReLU' && s.name.endsWith('_leaky_relu') ? byName.get(s.name.slice(0, -'_leaky_relu'.length)) : undefined;
    if (leaky && LEAKY_FOLDS.includes(leaky.type) && (leaky.options.activation ?? 'linear') === 'linear' && s.nodes.length === leaky.nodes.length &&
      s.nodes.every((refs, k) => refs.length === 1 && refs[0].layer === leaky.name && refs[0].node === k && readers.get(`${leaky.name}/${k}`) === 1)) {
      leaky.options.activation = { name: 'leakyRelu', alpha: s.options.alpha ?? 0.3 };
      s.nodes.forEach((_, k) => alias.set(`${s.name}/${k}`, { layer: leaky.name, node: k, tensor: 0 }));
      folded.add(s);
    }
  }
  const redirect = (r) => alias.get(`${r.layer}/${r.node}`) ?? r;
  for (const s of specs) s.nodes = s.nodes.map((refs) => Object.assign(refs.map(redirect), { call: refs.call })); // call: attentionNode's
  return { specs: specs.filter((s) => !folded.has(s)), outputs: outputs.map(redirect) };
}

/** Applies a layer to one node's inputs (a recurrent layer's: x, then its initial states), refusing what would compute otherwise than in Keras. */
function applyNode(spec, layer, inputs, what, call) {
  if (layer.kind.replay) {
    try {
      return layer.kind.replay(layer, inputs, call);
    } catch (err) {
      throw importError(`${what}: ${err.message}`);
    }
  }
  const first = inputs[0].sampleShape, several = layer.kind.merge || layer.kind.states;
  if (!several && inputs.length !== 1) throw importError(`${what}: a ${spec.className} layer takes one input, this node reads ${inputs.length}`);
  if (spec.axis !== undefined) lastAxis(spec.axis, first, spec.what);
  try {
    return layer.apply(several ? inputs : inputs[0]);
  } catch (err) {
    const own = `${layer.name} (${layer.type}): `; // apply names the layer too; `what` says it the TF.js way
    throw importError(`${what}: ${err.message.startsWith(own) ? err.message.slice(own.length) : err.message}`);
  }
}

/**
 * A functional model ({ class_name: 'Model' | 'Functional', config }) as
 * sn.model: { model, keys } — not built (it holds no wasm memory yet), and
 * each layer's Keras 3 weight key by name.
 */
export function functionalFromTfjs(topology, seed, keras3 = false) {
  const config = isObject(topology.config) ? topology.config : {};
  if (!Array.isArray(config.layers) || config.layers.length === 0) throw importError('the functional model has no layers');
  for (const key of ['input_layers', 'output_layers'])
    if (config[key] === undefined) throw importError(`the functional model has no ${key}`);
  const { specs: all, byName } = layerEntries(config.layers, keras3);
  const inputRefs = endRefs(config.input_layers, 'input_layers');
  const { specs, outputs: outputRefs } = foldExtras(all, byName, endRefs(config.output_layers, 'output_layers'));

  const tensors = new Map(); // "layer/node" → the symbolic tensor that node made
  const layers = new Map(); // spec → our layer
  for (const spec of specs) {
    if (spec.className === 'InputLayer') {
      const shape = declaredInputShape({}, spec.config, spec.what);
      if (!shape) throw importError(`${spec.what}: the input declares no shape (batch_input_shape or batch_shape)`);
      const dtype = isObject(spec.config.dtype) ? spec.config.dtype.config?.name : spec.config.dtype ?? 'float32';
      if (dtype !== 'float32' && dtype !== 'int32') throw importError(`${spec.what}: dtype ${brief(dtype)} is not supported (float32, int32)`);
      tensors.set(`${spec.name}/0`, input({ shape, name: spec.name, dtype }));
      continue;
    }
    try {
      const layer = createLayer(spec.type, spec.options);
      layer.trainable = spec.config.trainable !== false; // a frozen layer stays frozen (from the next compile)
      layers.set(spec, layer);
    } catch (err) {
      throw importError(`${spec.what}: ${err.message}`);
    }
  }

  /** The tensor a reference names, undefined while its node is not made yet; a reference to nothing is refused at once. */
  const tensorOf = (ref, what) => {
    const source = byName.get(ref.layer);
    if (!source) throw importError(`${what}: it reads layer ${brief(ref.layer)}, which the model does not have`);
    const made = source.className === 'InputLayer' ? 1 : source.nodes.length;
    if (ref.node >= made) throw importError(`${what}: it reads node ${ref.node} of layer ${brief(ref.layer)}, which has ${made} node${made === 1 ? '' : 's'}`);
    const out = tensors.get(`${ref.layer}/${ref.node}`), list = Array.isArray(out) ? out : [out];
    if (out !== undefined && ref.tensor >= list.length)
      throw importError(`${what}: it reads output ${ref.tensor} of layer ${brief(ref.layer)}, which has ${list.length} output${list.length === 1 ? '' : 's'}`);
    return out === undefined ? undefined : list[ref.tensor];
  };
  const pending = specs.filter((s) => s.nodes.length).map((s) => ({ spec: s, next: 0 }));
  while (pending.length) {
    let progress = false;
    for (const p of [...pending]) {
      const { spec } = p;
      for (; p.next < spec.nodes.length; p.next++) {
        const what = `${spec.what} node ${p.next}`, refs = spec.nodes[p.next];
        const inputs = refs.map((r) => tensorOf(r, what));
        if (inputs.some((t) => t === undefined)) break; // a node it reads comes later: try again on the next pass
        tensors.set(`${spec.name}/${p.next}`, applyNode(spec, layers.get(spec), inputs, what, refs.call));
        progress = true;
      }
      if (p.next === spec.nodes.length) pending.splice(pending.indexOf(p), 1);
    }
    if (!progress) {
      const stuck = pending.map(({ spec, next }) => `${spec.what} node ${next}`).join(', ');
      throw importError(`the graph has a cycle: ${stuck} wait for each other's outputs`);
    }
  }

  const ends = (refs, what) => refs.map((r) => {
    const t = tensorOf(r, what);
    if (t === undefined) throw importError(`${what}: ${brief([r.layer, r.node, r.tensor])} is not made by any node`);
    return t;
  });
  const inputs = ends(inputRefs, 'input_layers'), outputs = ends(outputRefs, 'output_layers');
  const notInput = inputRefs.find((r) => byName.get(r.layer).className !== 'InputLayer');
  if (notInput) throw importError(`input_layers: ${brief(notInput.layer)} is not an InputLayer`);
  let model;
  try {
    model = new Model({ inputs, outputs, seed, name: typeof config.name === 'string' ? config.name : undefined });
  } catch (err) {
    throw importError(err.message);
  }
  return { model, keys: new Map(specs.filter((s) => s.kerasKey).map((s) => [s.name, s.kerasKey])) };
}
