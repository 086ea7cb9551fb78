/* resnetc/sgd.h: stochastic gradient descent exactly as PyTorch's torch.optim.SGD.
 *
 * For each element i of the flat parameter vector (float32 arithmetic throughout):
 *   g = grad[i] + wd_i * p[i]                    (wd_i = weight_decay, or 0 where excluded)
 *   first step:  buf[i] = g                      (PyTorch clones d_p into a new buffer)
 *   later steps: buf[i] = momentum * buf[i] + (1 - dampening) * g
 *   d = nesterov ? g + momentum * buf[i] : buf[i]
 *   p[i] = p[i] - lr * d
 * With momentum 0 there is no buffer and d = g. The update of each element depends on that
 * element alone, so the result does not depend on the thread count.
 *
 * The optimizer works on one contiguous vector (the model's params and grads buffers), which
 * is what a later all-reduce of the gradients sees. Weight decay can be switched off for
 * BN weights, BN biases and FC biases through the roles of the model's tensor table.
 * Does not schedule the learning rate (schedule.h) nor clip gradients.
 */
#ifndef RESNETC_SGD_H
#define RESNETC_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "resnetc/model.h"

typedef struct rn_sgd_config {
    float momentum;       /* 0.9 */
    float weight_decay;   /* 1e-4 */
    float dampening;      /* 0 */
    int nesterov;         /* 0; needs momentum > 0 and dampening 0, as in PyTorch */
    int no_decay_bn;      /* 1: no weight decay on BN weights/biases and FC biases */
} rn_sgd_config;

typedef struct rn_sgd {
    rn_sgd_config cfg;
    size_t n;             /* floats in the vector */
    float *buf;           /* momentum buffer, n floats (NULL when momentum is 0) */
    uint8_t *decay;       /* n flags, 1 = apply weight decay; NULL = everywhere */
    int64_t steps;        /* steps taken (0: the next step initializes buf) */
    int threads;          /* OpenMP threads for the update (1: serial) */
} rn_sgd;

/* PyTorch-style defaults for a ResNet: momentum 0.9, weight decay 1e-4, no nesterov. */
rn_sgd_config rn_sgd_defaults(void);

/* Prepare an optimizer for a vector of n floats. model may be NULL (then no_decay_bn must
 * be 0); otherwise n must equal model->param_floats. Returns 0 or -1 (bad settings). */
int rn_sgd_init(rn_sgd *o, const rn_sgd_config *cfg, const rn_model *model, size_t n);

/* One step: params -= lr * direction(grads), updating the momentum buffer. */
void rn_sgd_step(rn_sgd *o, float *params, const float *grads, float lr);

void rn_sgd_free(rn_sgd *o);

#endif /* RESNETC_SGD_H */
