/* sgd.c: PyTorch-equivalent SGD with momentum, weight decay and nesterov on one flat
 * vector (see resnetc/sgd.h). Elementwise, so OpenMP splits it without changing results. */
#include "resnetc/sgd.h"
#include "resnetc/util.h"

#include <math.h>
#include <string.h>

rn_sgd_config rn_sgd_defaults(void)
{
    rn_sgd_config c = {0.9f, 1e-4f, 0.0f, 0, 0};
    return c;
}

int rn_sgd_init(rn_sgd *o, const rn_sgd_config *cfg, const rn_model *model, size_t n)
{
    memset(o, 0, sizeof *o);
    if (!(cfg->momentum >= 0.0f) || !isfinite(cfg->momentum))
        return rn_error("sgd: momentum must be >= 0");
    if (!(cfg->weight_decay >= 0.0f) || !isfinite(cfg->weight_decay))
        return rn_error("--weight-decay: must be >= 0");
    if (cfg->nesterov && (cfg->momentum <= 0.0f || cfg->dampening != 0.0f))
        return rn_error("--nesterov: needs momentum > 0 and zero dampening (as PyTorch)");
    if (model != NULL && n != model->param_floats)
        return rn_error("sgd: vector of %zu floats but model %s has %zu parameters", n,
                        model->name, model->param_floats);
    if (cfg->no_decay_bn && model == NULL)
        return rn_error("sgd: --no-decay-bn needs the model's tensor table");
    o->cfg = *cfg;
    o->n = n;
    o->threads = 1;
    if (cfg->momentum != 0.0f)
        o->buf = rn_alloc(n * sizeof(float));
    if (cfg->no_decay_bn && cfg->weight_decay != 0.0f) {
        o->decay = rn_alloc(n);
        memset(o->decay, 1, n);
        for (int t = 0; t < model->n_tensors; t++) {
            const rn_tensor_info *ti = &model->tensors[t];
            if (ti->role == RN_BN_WEIGHT || ti->role == RN_BN_BIAS || ti->role == RN_FC_BIAS) {
                if (ti->offset + ti->count > n) {
                    rn_sgd_free(o);
                    return rn_error("sgd: tensor %s lies outside the parameter vector",
                                    ti->name);
                }
                memset(o->decay + ti->offset, 0, ti->count);
            }
        }
    }
    return 0;
}

void rn_sgd_step(rn_sgd *o, float *params, const float *grads, float lr)
{
    const float m = o->cfg.momentum, wd = o->cfg.weight_decay;
    const float keep = 1.0f - o->cfg.dampening;
    const int nesterov = o->cfg.nesterov, first = o->steps == 0;
    const uint8_t *decay = o->decay;
    float *buf = o->buf;
    const long n = (long)o->n;
    const int threads = o->threads > 0 ? o->threads : 1;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n > 65536)
    for (long i = 0; i < n; i++) {
        float g = grads[i];
        if (wd != 0.0f && (decay == NULL || decay[i]))
            g = g + wd * params[i];
        float d = g;
        if (buf != NULL) {
            float b = first ? g : m * buf[i] + keep * g;
            buf[i] = b;
            d = nesterov ? g + m * b : b;
        }
        params[i] = params[i] - lr * d;
    }
    o->steps++;
}

void rn_sgd_free(rn_sgd *o)
{
    rn_free(o->buf);
    rn_free(o->decay);
    o->buf = NULL;
    o->decay = NULL;
}
