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
 * NULL after a message when the sizes overflow or this CPU cannot run the model's kernels
 * (rn_model_runs_here); aborts on out-of-memory. */
rn_run *rn_run_create(const rn_model *m, int n, int want_dinput);
/* Free the run and everything in it (NULL is fine). */
void rn_run_destroy(rn_run *r);
/* Bytes rn_run_create(m, n, training) allocates: training adds the input gradient
 * (what `grad --input-grad` and training-with-input-gradient need). 0 on overflow. */
size_t rn_run_bytes(const rn_model *m, int n, int training);

/* Tell r's model that r->params changed (weights loaded or edited, outside a training
 * step): the next forward_infer rebuilds what it derived from them (model.h, params_epoch). */
void rn_run_params_changed(rn_run *r);

/* 1 if this CPU has every feature in `features` (GCC __builtin_cpu_supports names, space
 * separated: "avx512f avx2 fma"; NULL or "" needs nothing), else 0 with the missing ones in
 * missing[0..cap). Names this runtime does not know count as missing. */
int rn_cpu_supports(const char *features, char *missing, size_t cap);
/* 1 if this CPU can run m's kernels (m->cpu_features), else 0 after a message naming the
 * ISA, the missing features and how to rebuild. */
int rn_model_runs_here(const rn_model *m);

#endif /* RESNETC_RUNTIME_H */
