/* resnetc/runtime.h: creating and destroying the state of one run of a model (rn_run,
 * model.h) from a single 64-byte aligned arena.
 *
 * Arena layout (each region starts on a 64-byte boundary and spans at least 64 bytes, so
 * every pointer but dinput is valid even when its size is 0 floats):
 *   [rn_run struct][params][grads][stats][act][work][dinput?]
 * act holds max(train_act_floats, infer_act_floats) * n floats, so one run serves both
 * forward_train and forward_infer for any batch up to n (set r->n to a smaller batch for a
 * last partial chunk). All memory is zeroed. Defaults: bn_momentum 0.1, bn_eps 1e-5,
 * threads 1. Not provided: separate inference-only allocation, multi-device state.
 */
#ifndef RESNETC_RUNTIME_H
#define RESNETC_RUNTIME_H

#include <stddef.h>

#include "resnetc/model.h"

/* A run for batches of up to n >= 1 images; r->dinput is allocated when want_dinput.
 * NULL after a message when the sizes overflow; aborts on out-of-memory. */
rn_run *rn_run_create(const rn_model *m, int n, int want_dinput);
/* Free the run and everything in it (NULL is fine). */
void rn_run_destroy(rn_run *r);
/* Bytes rn_run_create(m, n, training) allocates: training adds the input gradient
 * (what `grad --input-grad` and training-with-input-gradient need). 0 on overflow. */
size_t rn_run_bytes(const rn_model *m, int n, int training);

#endif /* RESNETC_RUNTIME_H */
