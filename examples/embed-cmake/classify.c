/* examples/embed-cmake/classify.c: an application using a generated model (resnet20)
 * through the documented C API (docs/api.md).
 *
 * Loads weights (safetensors, torchvision names), classifies a batch from an .npy file with
 * the eval-mode forward and prints each image's class, then checks the logits against the
 * runtime's reference executor (and against an expected logits .npy, e.g. from
 * `resnet20 infer`, when given), and the inference-only model's logits (resnet20_infer, no
 * runtime) against the same forward. Then it trains: a few SGD steps on the same batch towards
 * other labels, checking that the loss falls. Exit status 0 when every check passes.
 *
 * usage: classify WEIGHTS.safetensors INPUT.npy [EXPECTED_LOGITS.npy]
 */
#include "resnet20.h"          /* extern const rn_model resnet20_model; RESNET20_* sizes */
#include "resnet20_infer.h"    /* the inference-only model (MODE infer): resnet20_infer */
#include "resnetc/kernels.h"   /* rn_softmax_xent */
#include "resnetc/npy.h"
#include "resnetc/reference.h"
#include "resnetc/runtime.h"
#include "resnetc/sgd.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ||a - b|| / ||b|| */
static double rel_l2(const float *a, const float *b, size_t count)
{
    double d = 0, r = 0;
    for (size_t i = 0; i < count; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        r += (double)b[i] * b[i];
    }
    return sqrt(d) / (sqrt(r) + 1e-30);
}

static int argmax(const float *v, int count)
{
    int best = 0;
    for (int i = 1; i < count; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: classify WEIGHTS.safetensors INPUT.npy [EXPECTED_LOGITS.npy]\n");
        return 2;
    }
    const rn_model *m = &resnet20_model;
    printf("resnetc %s, model %s (%s), input %dx%dx%d, %d classes\n", RESNETC_VERSION_STRING,
           m->name, m->isa, m->in_c, m->in_h, m->in_w, m->classes);

    rn_npy x;
    if (rn_npy_read(argv[2], RN_NPY_F32, &x) != 0)
        return 1;
    if (x.ndim != 4 || x.shape[1] != m->in_c || x.shape[2] != m->in_h || x.shape[3] != m->in_w) {
        fprintf(stderr, "classify: %s is not N x %d x %d x %d\n", argv[2], m->in_c, m->in_h,
                m->in_w);
        return 1;
    }
    int n = (int)x.shape[0];
    size_t nk = (size_t)n * (size_t)m->classes;

    /* One arena for params, grads, BN statistics and activations; training needs no more
     * than inference here (no input gradient). */
    printf("run arena for batch %d: %zu bytes\n", n, rn_run_bytes(m, n, 0));
    rn_run *r = rn_run_create(m, n, 0);
    if (r == NULL || rn_weights_load(m, argv[1], r->params, r->stats) != 0)
        return 1;

    float *logits = rn_alloc(nk * sizeof(float));
    m->forward_infer(r, x.data, logits);
    for (int i = 0; i < n; i++)
        printf("image %d: class %d\n", i, argmax(logits + (size_t)i * m->classes, m->classes));

    int fail = 0;
    /* The reference executor: the same layer graph through the generic kernels. */
    float *expect = rn_alloc(nk * sizeof(float));
    rn_reference *ref = rn_reference_create(m, n);
    if (ref == NULL)
        return 1;
    rn_reference_forward(ref, n, r->params, r->stats, x.data, expect, 0, r->bn_momentum,
                         r->bn_eps);
    rn_reference_destroy(ref);
    double e = rel_l2(logits, expect, nk);
    printf("logits vs reference executor: relative L2 %.3g\n", e);
    fail |= !(e < 1e-4);
    if (argc == 4) {
        rn_npy y;
        if (rn_npy_read(argv[3], RN_NPY_F32, &y) != 0)
            return 1;
        if (y.count != nk) {
            fprintf(stderr, "classify: %s holds %zu logits, expected %zu\n", argv[3], y.count, nk);
            return 1;
        }
        e = rel_l2(logits, y.data, nk);
        printf("logits vs %s: relative L2 %.3g\n", argv[3], e);
        fail |= !(e < 1e-4);
        rn_npy_free(&y);
    }

    /* The inference-only model: the params buffer is the parameters, then the statistics. */
    float *pbuf = rn_alloc(RESNET20_PARAM_BYTES);
    memcpy(pbuf, r->params, m->param_floats * sizeof(float));
    memcpy(pbuf + m->param_floats, r->stats, m->stats_floats * sizeof(float));
    size_t ws = resnet20_infer_workspace_bytes(n, 1);
    void *work = rn_alloc(ws);
    float *alone = rn_alloc(nk * sizeof(float));
    int rc = resnet20_infer(pbuf, x.data, n, alone, work, ws, 1);
    e = rel_l2(alone, logits, nk);
    printf("resnet20_infer (no runtime, %zu bytes of workspace) vs forward_infer: relative L2 %.3g\n",
           ws, e);
    fail |= rc != 0 || !(e < 1e-6);
    rn_free(alone);
    rn_free(work);
    rn_free(pbuf);

    /* Training: labels the model does not predict yet; loss must fall within a few steps. */
    int32_t *labels = rn_alloc((size_t)n * sizeof(int32_t));
    for (int i = 0; i < n; i++)
        labels[i] = (argmax(logits + (size_t)i * m->classes, m->classes) + 1 + i) % m->classes;
    rn_sgd_config cfg = rn_sgd_defaults();
    cfg.weight_decay = 0;
    rn_sgd opt;
    if (rn_sgd_init(&opt, &cfg, m, m->param_floats) != 0)
        return 1;
    float *dlogits = rn_alloc(nk * sizeof(float));
    float first = 0, loss = 0;
    for (int step = 0; step < 6; step++) {
        m->forward_train(r, x.data, logits);
        loss = rn_softmax_xent(logits, labels, n, m->classes, 0.0f, dlogits);
        if (step == 0)
            first = loss;
        m->backward(r, dlogits);
        rn_sgd_step(&opt, r->params, r->grads, 0.05f);
    }
    printf("training: loss %.4f -> %.4f in 6 steps\n", first, loss);
    fail |= !(isfinite(loss) && loss < 0.9f * first);

    rn_sgd_free(&opt);
    rn_free(dlogits);
    rn_free(labels);
    rn_free(expect);
    rn_free(logits);
    rn_run_destroy(r);
    rn_npy_free(&x);
    puts(fail ? "FAILED" : "ok");
    return fail;
}
