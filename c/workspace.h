/* The workspace (workspace.c): where every node's buffers live for a batch,
 * laid out for training steps (1) or for inference (0). */
#ifndef SN_WORKSPACE_H
#define SN_WORKSPACE_H
#include "model.h"

/* Grows the workspace so that one layout holds `rows` rows, and carves it. 0 when out of memory. */
int sn_model_reserve_layout(sn_model *m, int rows, int training);
/* Carves a layout (pointer arithmetic) unless it is the current one. */
void sn_model_use_layout(sn_model *m, int training);
/* How many gradient buffers the backward pass holds at once (graph.c's pool). -1 when out of memory. */
int sn_model_pool_size(const sn_model *m);
/* The next reserve plans anew (other values want gradients, other losses). */
static inline void sn_model_replan(sn_model *m) { m->rows[0] = m->rows[1] = 0; }

enum { SN_FOLDED = -2 }; /* m->fold of a batch norm folded into the node before it */

/* Test switches, 1 by default: transient nodes share memory; batch norms fold. */
extern int sn_workspace_sharing, sn_fold_batch_norms;
#endif
