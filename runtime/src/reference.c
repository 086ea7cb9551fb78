/* reference.c: the reference executor (see resnetc/reference.h). Plain and unplanned: one
 * buffer per activation and per activation gradient, generic kernels only. */
#include "resnetc/reference.h"

#include "resnetc/kernels.h"
#include "resnetc/util.h"

#include <string.h>

struct rn_reference {
    const rn_model *m;
    int cap, n;
    float **act;      /* [n_acts] activations, NHWC */
    float **grad;     /* [n_acts] their gradients */
    int *grad_set;    /* [n_acts] 1 once a gradient has been written this backward */
    float **save;     /* [n_layers] BN batch mean and 1/std (2*C), else NULL */
};

static size_t act_size(const rn_act_info *a) { return (size_t)a->h * a->w * a->c; }

rn_reference *rn_reference_create(const rn_model *m, int n)
{
    rn_reference *ref = rn_alloc(sizeof *ref);
    ref->m = m;
    ref->cap = n;
    ref->act = rn_alloc(sizeof(float *) * (size_t)m->n_acts);
    ref->grad = rn_alloc(sizeof(float *) * (size_t)m->n_acts);
    ref->grad_set = rn_alloc(sizeof(int) * (size_t)m->n_acts);
    ref->save = rn_alloc(sizeof(float *) * (size_t)m->n_layers);
    for (int i = 0; i < m->n_acts; i++) {
        ref->act[i] = rn_alloc(sizeof(float) * act_size(&m->acts[i]) * (size_t)n);
        ref->grad[i] = rn_alloc(sizeof(float) * act_size(&m->acts[i]) * (size_t)n);
    }
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].kind == RN_LAYER_BN)
            ref->save[l] = rn_alloc(sizeof(float) * 2 * (size_t)m->acts[m->layers[l].out].c);
    return ref;
}

void rn_reference_destroy(rn_reference *ref)
{
    if (!ref)
        return;
    for (int i = 0; i < ref->m->n_acts; i++) {
        rn_free(ref->act[i]);
        rn_free(ref->grad[i]);
    }
    for (int l = 0; l < ref->m->n_layers; l++)
        rn_free(ref->save[l]);
    rn_free(ref->act);
    rn_free(ref->grad);
    rn_free(ref->grad_set);
    rn_free(ref->save);
    rn_free(ref);
}

/* The window shape of a conv, pool or option A layer for a batch of n. */
static rn_conv_shape window(const rn_model *m, const rn_layer_info *L, int n)
{
    const rn_act_info *x = &m->acts[L->in[0]], *y = &m->acts[L->out];
    rn_conv_shape s = { .n = n, .h = x->h, .w = x->w, .c = x->c, .k = y->c,
                        .kh = L->kh, .kw = L->kw, .stride = L->stride, .pad = L->pad,
                        .oh = y->h, .ow = y->w };
    return s;
}

static const float *tensor(const rn_model *m, const float *params, const float *stats,
                           const rn_layer_info *L, int i)
{
    const rn_tensor_info *t = &m->tensors[L->tensor[i]];
    return (t->role == RN_BN_MEAN || t->role == RN_BN_VAR ? stats : params) + t->offset;
}

void rn_reference_forward(rn_reference *ref, int n, const float *params, float *stats,
                          const float *x, float *logits, int train, float momentum, float eps)
{
    const rn_model *m = ref->m;
    ref->n = n;
    rn_nchw_to_nhwc(x, ref->act[0], n, m->in_c, m->in_h, m->in_w);
    for (int l = 0; l < m->n_layers; l++) {
        const rn_layer_info *L = &m->layers[l];
        const rn_act_info *xi = &m->acts[L->in[0]];
        const float *in = ref->act[L->in[0]];
        float *out = ref->act[L->out];
        const size_t rows = (size_t)n * xi->h * xi->w;
        rn_conv_shape s = window(m, L, n);
        switch (L->kind) {
        case RN_LAYER_CONV:
            rn_conv2d_fwd(&s, in, tensor(m, params, stats, L, 0), out);
            break;
        case RN_LAYER_BN: {
            float *rm = stats + m->tensors[L->tensor[2]].offset;
            float *rv = stats + m->tensors[L->tensor[3]].offset;
            const float *g = tensor(m, params, stats, L, 0), *b = tensor(m, params, stats, L, 1);
            if (train)
                rn_bn_fwd_train(in, out, rows, xi->c, g, b, rm, rv, momentum, eps, ref->save[l],
                                ref->save[l] + xi->c);
            else
                rn_bn_fwd_eval(in, out, rows, xi->c, g, b, rm, rv, eps);
            break;
        }
        case RN_LAYER_RELU:
            rn_relu_fwd(in, out, rows * xi->c);
            break;
        case RN_LAYER_ADD:
            rn_add_fwd(in, ref->act[L->in[1]], out, rows * xi->c);
            break;
        case RN_LAYER_SHORTCUT_A:
            rn_shortcut_a_fwd(&s, L->pad_lo, in, out);
            break;
        case RN_LAYER_MAXPOOL:
            rn_maxpool_fwd(&s, in, out);
            break;
        case RN_LAYER_GAP:
            rn_gap_fwd(in, out, n, xi->h * xi->w, xi->c);
            break;
        case RN_LAYER_FC:
            rn_fc_fwd(in, tensor(m, params, stats, L, 0), tensor(m, params, stats, L, 1), out, n,
                      (int)act_size(xi), L->k);
            break;
        }
    }
    const rn_layer_info *last = &m->layers[m->n_layers - 1];
    memcpy(logits, ref->act[last->out], sizeof(float) * (size_t)n * (size_t)m->classes);
}

const float *rn_reference_activation(const rn_reference *ref, int a)
{
    return ref->act[a];
}

/* Whether the gradient of activation a is being written for the first time. */
static int accumulate(rn_reference *ref, int a)
{
    int acc = ref->grad_set[a];
    ref->grad_set[a] = 1;
    return acc;
}

void rn_reference_backward(rn_reference *ref, const float *params, const float *dlogits,
                           float *grads, float *dinput)
{
    const rn_model *m = ref->m;
    const int n = ref->n;
    memset(ref->grad_set, 0, sizeof(int) * (size_t)m->n_acts);
    const rn_layer_info *last = &m->layers[m->n_layers - 1];
    memcpy(ref->grad[last->out], dlogits, sizeof(float) * (size_t)n * (size_t)m->classes);
    for (int l = m->n_layers - 1; l >= 0; l--) {
        const rn_layer_info *L = &m->layers[l];
        const rn_act_info *xi = &m->acts[L->in[0]];
        const int a = L->in[0];
        const float *dy = ref->grad[L->out];
        const size_t rows = (size_t)n * xi->h * xi->w;
        rn_conv_shape s = window(m, L, n);
        switch (L->kind) {
        case RN_LAYER_CONV: {
            const rn_tensor_info *w = &m->tensors[L->tensor[0]];
            rn_conv2d_bwd_weights(&s, ref->act[a], dy, grads + w->offset);
            if (a != 0 || dinput)
                rn_conv2d_bwd_data(&s, dy, params + w->offset, ref->grad[a], accumulate(ref, a));
            break;
        }
        case RN_LAYER_BN: {
            const rn_tensor_info *g = &m->tensors[L->tensor[0]], *b = &m->tensors[L->tensor[1]];
            rn_bn_bwd(ref->act[a], dy, ref->grad[a], rows, xi->c, params + g->offset, ref->save[l],
                      ref->save[l] + xi->c, grads + g->offset, grads + b->offset, accumulate(ref, a));
            break;
        }
        case RN_LAYER_RELU:
            rn_relu_bwd(ref->act[L->out], dy, ref->grad[a], rows * xi->c, accumulate(ref, a));
            break;
        case RN_LAYER_ADD:
            rn_grad_pass(dy, ref->grad[a], rows * xi->c, accumulate(ref, a));
            rn_grad_pass(dy, ref->grad[L->in[1]], rows * xi->c, accumulate(ref, L->in[1]));
            break;
        case RN_LAYER_SHORTCUT_A:
            rn_shortcut_a_bwd(&s, L->pad_lo, dy, ref->grad[a], accumulate(ref, a));
            break;
        case RN_LAYER_MAXPOOL:
            rn_maxpool_bwd(&s, ref->act[a], dy, ref->grad[a], accumulate(ref, a));
            break;
        case RN_LAYER_GAP:
            rn_gap_bwd(dy, ref->grad[a], n, xi->h * xi->w, xi->c, accumulate(ref, a));
            break;
        case RN_LAYER_FC: {
            const rn_tensor_info *w = &m->tensors[L->tensor[0]], *b = &m->tensors[L->tensor[1]];
            rn_fc_bwd(ref->act[a], params + w->offset, dy, ref->grad[a], grads + w->offset,
                      grads + b->offset, n, (int)act_size(xi), L->k, accumulate(ref, a));
            break;
        }
        }
    }
    if (dinput)
        rn_nhwc_to_nchw(ref->grad[0], dinput, n, m->in_c, m->in_h, m->in_w);
}
