/* resnetc/reference.h: the reference executor: runs any generated model's layer graph
 * (rn_model.layers) through the generic kernels (kernels.h), each tensor in its own buffer.
 *
 * It shares nothing with the generated code but the layer table: not the kernels, not the
 * memory plan, not the schedules. Tests compare the generated model against it on every
 * output and gradient; benchmarks use it as the generic end-to-end baseline.
 */
#ifndef RESNETC_REFERENCE_H
#define RESNETC_REFERENCE_H

#include "resnetc/model.h"

typedef struct rn_reference rn_reference;

/* Buffers for batches of up to n images; NULL if out of memory. */
rn_reference *rn_reference_create(const rn_model *m, int n);
void rn_reference_destroy(rn_reference *ref);

/* Forward of n images (n <= the created size). train = 1: batch statistics, running
 * statistics in `stats` updated (momentum, eps as rn_run); train = 0: eval mode. */
void rn_reference_forward(rn_reference *ref, int n, const float *params, float *stats,
                          const float *x, float *logits, int train, float momentum, float eps);

/* Backward after a training forward of the same batch: parameter gradients into grads
 * (overwritten), and d(loss)/d(x) in NCHW into dinput if non-NULL. */
void rn_reference_backward(rn_reference *ref, const float *params, const float *dlogits,
                           float *grads, float *dinput);

/* Activation a (0 <= a < n_acts; 0 is the input) of the last forward: NHWC, the n images of
 * that forward, acts[a].h * w * c floats each. Every layer's output is kept, including the
 * BN outputs the generated code fuses away (what `analyze` reports). */
const float *rn_reference_activation(const rn_reference *ref, int a);

#endif /* RESNETC_REFERENCE_H */
