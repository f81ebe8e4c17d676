// Keras masks, worked out symbolically as layers are applied (graph.js'
// recordNode), as Keras 3.15 propagates them (keras/src/layers/layer.py: a
// layer's supports_masking and compute_mask). A symbolic tensor's `maskFrom`
// is the tensor of the node whose mask it carries — an Embedding with
// maskZero (ids ≠ 0), a Masking layer (steps not all maskValue), or a merge of
// masked inputs (their OR) — or null. The model tells C which value carries
// which node's mask (model.js' createGraph: sn_model_set_mask); C reads it
// where Keras does: recurrent layers carry their states over masked steps,
// GlobalAveragePooling1D averages the valid steps, an output's loss and
// metrics count its valid positions only (c/model.h).
//
// Each kind's descriptor says what it does with a mask (`masking`, a rule or a
// function of the layer giving one):
//   'passes'       its output carries its input's mask (Keras' supports_masking
//                  with the default compute_mask: Dense, Dropout, Activation, …)
//   'reads'        it reads its input's mask and its output carries none (a
//                  recurrent layer without returnSequences, GlobalAveragePooling1D)
//   'readsPasses'  both (a recurrent layer with returnSequences)
//   'makes'        its output carries its own mask, whatever its input carried
//                  (Masking; Embedding with maskZero)
//   'query'        its output carries its first input's (MultiHeadAttention: the
//                  query's), and it reads the others' (value, key)
//   'drops'        its output carries none (Dot: Keras' compute_mask is None)
//   'merges'       the OR of its inputs' masks when each carries one, else none
//                  (Keras 3's merges and Concatenate: an input without a mask is
//                  all valid; TF.js 4.22 ANDs them)
//   undefined      a masked input is refused: an Error naming the layer when it
//                  is applied, the model left as it was. Keras 3 warns and drops
//                  the mask ("will therefore destroy the mask information"),
//                  computing on the padding as if it were data; TF.js (and
//                  tf.keras 2) throw, as here.

/** What a layer does with a mask: its kind's rule (see above), undefined when it cannot take one. */
export function maskingOf(layer) {
  const rule = layer.kind?.masking;
  return typeof rule === 'function' ? rule(layer) : rule;
}

/** A mask's maker for an error message: `embedding (Embedding with maskZero)`. */
function maker(mask) {
  const layer = mask.sourceLayer;
  const how = { Embedding: ' with maskZero', Masking: '' }[layer.type] ?? ", the OR of its inputs' masks";
  return `${layer.name ?? '(unnamed)'} (${layer.type}${how})`;
}

/**
 * The mask `output` carries when `layer` makes it from `inputs` (the tensor
 * whose node makes it, or null); `what` names the layer. Throws when a masked
 * input reaches a layer that cannot take a mask.
 */
export function outputMask(layer, inputs, output, what) {
  const rule = maskingOf(layer), masks = inputs.map((t) => t.maskFrom ?? null);
  if (rule === 'makes') return output;
  if (rule === 'query') return masks[0]; // MultiHeadAttention: its query's (the others it reads: c/layer_attention.c)
  if (rule === 'merges') {
    if (masks.some((m) => !m)) return null;
    return masks.every((m) => m === masks[0]) ? masks[0] : output;
  }
  const mask = masks.find(Boolean);
  if (!mask) return null;
  if (rule === 'passes' || rule === 'readsPasses') return mask;
  if (rule === 'reads' || rule === 'drops') return null;
  throw new Error(`${what} does not support masking, but its input carries the mask made by ${maker(mask)}: ` +
    'masks reach Dense, Dropout, Activation, the normalizations, TimeDistributed, merges, the recurrent layers and globalAveragePooling1d ' +
    '(Keras 3 would drop the mask here and compute on the padding); end the mask before this layer (a recurrent layer without returnSequences, ' +
    'globalAveragePooling1d), or remove maskZero / the Masking layer');
}
