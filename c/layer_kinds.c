/* Each kind of layer's sn_layer_ops, from the one list in layer.h. */
#include "layer.h"

#define SN_LAYER_KIND_ENTRY(kind, ops) [kind] = &ops,
static const sn_layer_ops *const OPS[SN_LAYER_KINDS] = {SN_LAYER_KIND_LIST(SN_LAYER_KIND_ENTRY)};

const sn_layer_ops *sn_layer_ops_of(int kind) { return OPS[kind]; }
