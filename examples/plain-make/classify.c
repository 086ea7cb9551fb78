/* examples/plain-make/classify.c: eval-mode classification with the committed
 * generated/resnet20 model, built by a plain Makefile.
 *
 * Loads weights (safetensors, torchvision names) and a float32 N x 3 x 32 x 32 .npy batch,
 * runs the generated forward, prints each image's class, and checks the logits against the
 * runtime's reference executor and, when given, an expected logits .npy (e.g. written by
 * `resnet20 infer`). Exit status 0 when the checks pass.
 *
 * usage: classify WEIGHTS.safetensors INPUT.npy [EXPECTED_LOGITS.npy]
 */
#include "resnet20.h"
#include "resnetc/npy.h"
#include "resnetc/reference.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <math.h>
#include <stdio.h>

static double rel_l2(const float *a, const float *b, size_t count)
{
    double d = 0, r = 0;
    for (size_t i = 0; i < count; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        r += (double)b[i] * b[i];
    }
    return sqrt(d) / (sqrt(r) + 1e-30);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: classify WEIGHTS.safetensors INPUT.npy [EXPECTED_LOGITS.npy]\n");
        return 2;
    }
    const rn_model *m = &resnet20_model;
    rn_npy x;
    if (rn_npy_read(argv[2], RN_NPY_F32, &x) != 0)
        return 1;
    if (x.ndim != 4 || x.shape[1] != RESNET20_IN_C || x.shape[2] != RESNET20_IN_H ||
        x.shape[3] != RESNET20_IN_W) {
        fprintf(stderr, "classify: %s is not N x 3 x 32 x 32\n", argv[2]);
        return 1;
    }
    int n = (int)x.shape[0];
    size_t nk = (size_t)n * RESNET20_CLASSES;

    rn_run *r = rn_run_create(m, n, 0);
    if (r == NULL || rn_weights_load(m, argv[1], r->params, r->stats) != 0)
        return 1;
    float *logits = rn_alloc(nk * sizeof(float));
    m->forward_infer(r, x.data, logits);
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * RESNET20_CLASSES;
        int best = 0;
        for (int k = 1; k < RESNET20_CLASSES; k++)
            best = z[k] > z[best] ? k : best;
        printf("image %d: class %d\n", i, best);
    }

    int fail = 0;
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
        e = y.count == nk ? rel_l2(logits, y.data, nk) : INFINITY;
        printf("logits vs %s: relative L2 %.3g\n", argv[3], e);
        fail |= !(e < 1e-4);
        rn_npy_free(&y);
    }
    rn_free(expect);
    rn_free(logits);
    rn_run_destroy(r);
    rn_npy_free(&x);
    puts(fail ? "FAILED" : "ok");
    return fail;
}
