/* check_model.c: checks one generated model (compiled in with -DRN_TEST_MODEL=<name>_model).
 *
 *   check_<model> parity [batch]   generated schedules against the reference executor
 *                                  (generic kernels, unplanned memory): logits in train and
 *                                  eval mode (eval again after a parameter step: BN folded
 *                                  into the convs must see new weights), running statistics,
 *                                  every parameter gradient, the input gradient; per-tensor
 *                                  relative L2 error
 *   check_<model> fd [batch]       finite differences: for every parameter tensor and the
 *                                  input, the directional derivative of the loss along a
 *                                  random direction against the backward pass
 *   check_<model> determinism      two runs on the same batch give bit-identical results
 *
 * Exits 1 on any failure, naming the tensor and the error.
 */
#include "resnetc/kernels.h"
#include "resnetc/model.h"
#include "resnetc/reference.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const rn_model RN_TEST_MODEL;
static const rn_model *M = &RN_TEST_MODEL;

/* Whether a tensor is the weight of a residual branch's last BN (bn2 in basic blocks, bn3
 * in bottlenecks). */
static int last_bn_weight(const char *name, int bottleneck)
{
    const char *dot = strrchr(name, '.');
    if (strncmp(name, "layer", 5) != 0 || !dot || strcmp(dot, ".weight") != 0)
        return 0;
    return dot - name >= 4 && !strncmp(dot - 4, bottleneck ? ".bn3" : ".bn2", 4);
}

/* Random but non-trivial parameters and statistics: BN must not be an identity, or
 * errors in it hide. The last BN of each residual branch is scaled down (0.1 to 0.3), as
 * trained residual nets have it: with every BN near 1, a deep net's float32 gradients are
 * chaotic (a different rounding order moves them by 1e-2), and no implementation could be
 * compared with another at 1e-3. */
static void random_model(uint64_t seed, float *params, float *stats)
{
    rn_rng g;
    rn_rng_seed(&g, seed, 7);
    int bottleneck = 0;
    for (int t = 0; t < M->n_tensors; t++)
        bottleneck |= strstr(M->tensors[t].name, ".bn3.") != NULL;
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        float *p = (e->role == RN_BN_MEAN || e->role == RN_BN_VAR ? stats : params) + e->offset;
        const int small = last_bn_weight(e->name, bottleneck);
        for (size_t i = 0; i < e->count; i++) {
            switch (e->role) {
            case RN_CONV_WEIGHT: {
                const double fan = (double)e->shape[0] * e->shape[2] * e->shape[3];
                p[i] = rn_rng_normal(&g) * (float)sqrt(2.0 / fan);
                break;
            }
            case RN_BN_WEIGHT: p[i] = small ? 0.1f + 0.2f * rn_rng_uniform(&g) : 0.5f + rn_rng_uniform(&g); break;
            case RN_BN_BIAS: p[i] = 0.2f * rn_rng_normal(&g); break;
            case RN_FC_WEIGHT: p[i] = 0.3f * rn_rng_normal(&g); break;
            case RN_FC_BIAS: p[i] = 0.1f * rn_rng_normal(&g); break;
            case RN_BN_MEAN: p[i] = 0.1f * rn_rng_normal(&g); break;
            case RN_BN_VAR: p[i] = 0.5f + rn_rng_uniform(&g); break;
            }
        }
    }
}

static void random_batch(uint64_t seed, int n, float *x, int32_t *labels)
{
    rn_rng g;
    rn_rng_seed(&g, seed, 11);
    const size_t count = (size_t)n * M->in_c * M->in_h * M->in_w;
    for (size_t i = 0; i < count; i++)
        x[i] = rn_rng_normal(&g);
    for (int i = 0; i < n; i++)
        labels[i] = (int32_t)rn_rng_below(&g, (uint32_t)M->classes);
}

/* ||a - b|| / max(||b||, tiny) in double. */
static double rel_l2(const float *a, const float *b, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)a[i] - (double)b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return sqrt(num) / (sqrt(den) > 1e-30 ? sqrt(den) : 1e-30);
}

static int failures;

/* Finite differences run the float32 network through ReLU and max-pool kinks, so they are
 * a coarse check (a wrong formula is off by far more); the parity checks are the fine one. */
#ifndef FD_STEP
#define FD_STEP 5e-4
#endif
#define FD_TOL 5e-2

static void expect(const char *what, const char *name, double err, double tol)
{
    const int ok = err <= tol && !isnan(err);
    if (!ok)
        failures++;
    printf("%-5s %-13s %-40s rel err %.3e (tol %.1e)\n", ok ? "ok" : "FAIL", what, name, err, tol);
}

/* Every check runs the generated code on all the threads the run is sized for, so the
 * threaded paths (work split, partial sums) are what is compared. */
static rn_run *new_run(int n, int want_dinput)
{
    rn_run *r = rn_run_create(M, n, want_dinput);
    if (!r)
        exit(1);
    r->threads = r->max_threads;
    return r;
}

static int parity(int n)
{
    rn_run *r = new_run(n, 1);
    rn_reference *ref = rn_reference_create(M, n);
    float *stats_ref = rn_alloc(sizeof(float) * (M->stats_floats + 1));
    float *grads_ref = rn_alloc(sizeof(float) * (M->param_floats + 1));
    const size_t in_count = (size_t)n * M->in_c * M->in_h * M->in_w;
    float *x = rn_alloc(sizeof(float) * in_count), *dx_ref = rn_alloc(sizeof(float) * in_count);
    float *logits = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    float *logits_ref = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    float *dlogits = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    int32_t *labels = rn_alloc(sizeof(int32_t) * (size_t)n);

    random_model(1, r->params, r->stats);
    memcpy(stats_ref, r->stats, sizeof(float) * M->stats_floats);
    random_batch(2, n, x, labels);

    M->forward_train(r, x, logits);
    rn_reference_forward(ref, n, r->params, stats_ref, x, logits_ref, 1, r->bn_momentum, r->bn_eps);
    expect("train logits", M->name, rel_l2(logits, logits_ref, (size_t)n * M->classes), 1e-4);
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        if (e->role == RN_BN_MEAN || e->role == RN_BN_VAR)
            expect("running stat", e->name, rel_l2(r->stats + e->offset, stats_ref + e->offset, e->count), 1e-4);
    }
    rn_softmax_xent(logits_ref, labels, n, M->classes, 0.0f, dlogits);
    M->backward(r, dlogits);

    /* Conditioning: how far the reference's own gradients move when each input value moves
     * by a random +-1e-6 or +-1e-5 relative (ten to a hundred float roundings). Train-mode BN over few rows
     * and ReLU kinks can amplify rounding; a gradient is held to 1e-3 or to twice the largest
     * of those moves, whichever is larger (printed as its tolerance). Twice: where the
     * generated code's rounding flips a ReLU input near zero, it moves the gradients about as
     * far as the probes' flips do, not exactly as far (resnet32 with F(4x4) at 8x8 on avx2:
     * 19 gradients at 1.00-1.05x the largest move, its logits within 2.5e-7). */
    float *grads_pert = rn_alloc(sizeof(float) * (M->param_floats + 1));
    float *dx_pert = rn_alloc(sizeof(float) * in_count);
    float *x_pert = rn_alloc(sizeof(float) * in_count);
    float *dl_pert = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    float *stats_pert = rn_alloc(sizeof(float) * (M->stats_floats + 1));
    rn_reference_forward(ref, n, r->params, stats_pert, x, logits_ref, 1, r->bn_momentum, r->bn_eps);
    rn_reference_backward(ref, r->params, dlogits, grads_ref, dx_ref);
    double *cond = rn_alloc(sizeof(double) * ((size_t)M->n_tensors + 1));
    static const float probes[] = { 1e-6f, 1e-6f, 1e-5f, 1e-5f };
    rn_rng noise;
    rn_rng_seed(&noise, 9, 17);
    for (int k = 0; k < 4; k++) {
        /* random signs: a uniform scale would be normalized away by the first BN */
        for (size_t i = 0; i < in_count; i++)
            x_pert[i] = x[i] * (1.0f + (rn_rng_u32(&noise) & 1 ? probes[k] : -probes[k]));
        rn_reference_forward(ref, n, r->params, stats_pert, x_pert, logits_ref, 1, r->bn_momentum, r->bn_eps);
        rn_softmax_xent(logits_ref, labels, n, M->classes, 0.0f, dl_pert);
        rn_reference_backward(ref, r->params, dl_pert, grads_pert, dx_pert);
        for (int t = 0; t < M->n_tensors; t++) {
            const rn_tensor_info *e = &M->tensors[t];
            const double c = rel_l2(grads_pert + e->offset, grads_ref + e->offset, e->count);
            if (c > cond[t])
                cond[t] = c;
        }
        const double c = rel_l2(dx_pert, dx_ref, in_count);
        if (c > cond[M->n_tensors])
            cond[M->n_tensors] = c;
    }
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        if (e->role != RN_BN_MEAN && e->role != RN_BN_VAR)
            expect("gradient", e->name, rel_l2(r->grads + e->offset, grads_ref + e->offset, e->count),
                   2 * cond[t] > 1e-3 ? 2 * cond[t] : 1e-3);
    }
    expect("gradient", "input", rel_l2(r->dinput, dx_ref, in_count),
           2 * cond[M->n_tensors] > 1e-3 ? 2 * cond[M->n_tensors] : 1e-3);
    rn_free(cond);
    rn_free(grads_pert); rn_free(dx_pert); rn_free(x_pert); rn_free(dl_pert); rn_free(stats_pert);

    M->forward_infer(r, x, logits);
    rn_reference_forward(ref, n, r->params, r->stats, x, logits_ref, 0, r->bn_momentum, r->bn_eps);
    expect("eval logits", M->name, rel_l2(logits, logits_ref, (size_t)n * M->classes), 1e-4);
    /* eval after the parameters change (as train's per-epoch evaluation sees them): eval
     * mode folds BN into the convolutions, which must not use the parameters of before */
    for (size_t i = 0; i < M->param_floats; i++)
        r->params[i] -= 0.05f * r->grads[i];
    rn_run_params_changed(r);
    M->forward_infer(r, x, logits);
    rn_reference_forward(ref, n, r->params, r->stats, x, logits_ref, 0, r->bn_momentum, r->bn_eps);
    expect("eval logits", "after a step", rel_l2(logits, logits_ref, (size_t)n * M->classes), 1e-4);

    rn_free(stats_ref); rn_free(grads_ref); rn_free(x); rn_free(dx_ref); rn_free(logits);
    rn_free(logits_ref); rn_free(dlogits); rn_free(labels);
    rn_reference_destroy(ref);
    rn_run_destroy(r);
    return failures ? 1 : 0;
}

/* Training-mode loss of the batch at the run's current parameters (in double for the
 * difference quotient; the network itself runs in float). */
static double loss_at(rn_run *r, const float *x, const int32_t *labels, float *logits)
{
    M->forward_train(r, x, logits);
    return rn_softmax_xent(logits, labels, r->n, M->classes, 0.0f, NULL);
}

/* Directional derivative of the loss along a random direction v over `count` floats at
 * p, by central differences, against the analytic gradient g . v. */
static void fd_tensor(rn_run *r, const char *name, float *p, const float *g, size_t count,
                      const float *x, const int32_t *labels, float *logits, rn_rng *rng)
{
    float *v = rn_alloc(sizeof(float) * count), *saved = rn_alloc(sizeof(float) * count);
    /* half along the gradient (a strong signal), half random (mixes the coordinates) */
    double gn = 0.0, vn = 0.0;
    for (size_t i = 0; i < count; i++)
        gn += (double)g[i] * g[i];
    gn = sqrt(gn) > 1e-30 ? sqrt(gn) : 1.0;
    for (size_t i = 0; i < count; i++) {
        v[i] = (float)(g[i] / gn) + rn_rng_normal(rng) / (float)sqrt((double)count);
        vn += (double)v[i] * v[i];
    }
    vn = sqrt(vn);
    double analytic = 0.0;
    for (size_t i = 0; i < count; i++) {
        v[i] = (float)(v[i] / vn);
        analytic += (double)g[i] * v[i];
    }
    memcpy(saved, p, sizeof(float) * count);
    /* central differences at h and h/2, combined (Richardson) to cancel the h^2 term */
    double d[2];
    for (int k = 0; k < 2; k++) {
        const double h = FD_STEP / (1 << k);
        for (size_t i = 0; i < count; i++)
            p[i] = saved[i] + (float)(h * v[i]);
        const double lp = loss_at(r, x, labels, logits);
        for (size_t i = 0; i < count; i++)
            p[i] = saved[i] - (float)(h * v[i]);
        const double lm = loss_at(r, x, labels, logits);
        d[k] = (lp - lm) / (2.0 * h);
    }
    memcpy(p, saved, sizeof(float) * count);
    const double numeric = (4.0 * d[1] - d[0]) / 3.0;
    /* the float32 loss is known to about |L| * FLT_EPSILON; divided by the step and grown by
     * the extrapolation, that is the absolute noise of `numeric` */
    const double loss = loss_at(r, x, labels, logits);
    const double noise = 16.0 * fabs(loss) * FLT_EPSILON / FD_STEP;
    const double err = fabs(numeric - analytic) / (fabs(analytic) + noise);
    const int ok = err <= FD_TOL;
    if (!ok)
        failures++;
    printf("%-5s fd %-40s analytic %+.6e numeric %+.6e rel err %.2e\n", ok ? "ok" : "FAIL", name,
           analytic, numeric, err);
    rn_free(v);
    rn_free(saved);
}

static int fd(int n)
{
    rn_run *r = new_run(n, 1);
    const size_t in_count = (size_t)n * M->in_c * M->in_h * M->in_w;
    float *x = rn_alloc(sizeof(float) * in_count);
    float *logits = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    float *dlogits = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    int32_t *labels = rn_alloc(sizeof(int32_t) * (size_t)n);
    random_model(3, r->params, r->stats);
    random_batch(4, n, x, labels);

    M->forward_train(r, x, logits);
    rn_softmax_xent(logits, labels, n, M->classes, 0.0f, dlogits);
    M->backward(r, dlogits);
    float *grads = rn_alloc(sizeof(float) * (M->param_floats + 1));
    float *dx = rn_alloc(sizeof(float) * in_count);
    memcpy(grads, r->grads, sizeof(float) * M->param_floats);
    memcpy(dx, r->dinput, sizeof(float) * in_count);

    rn_rng rng;
    rn_rng_seed(&rng, 5, 13);
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        if (e->role != RN_BN_MEAN && e->role != RN_BN_VAR)
            fd_tensor(r, e->name, r->params + e->offset, grads + e->offset, e->count, x, labels,
                      logits, &rng);
    }
    fd_tensor(r, "input", x, dx, in_count, x, labels, logits, &rng);
    rn_free(x); rn_free(logits); rn_free(dlogits); rn_free(labels); rn_free(grads); rn_free(dx);
    rn_run_destroy(r);
    return failures ? 1 : 0;
}

/* One training step's results, for comparing runs. */
static void step(int n, float *logits, float *grads, float *stats)
{
    rn_run *r = new_run(n, 0);
    const size_t in_count = (size_t)n * M->in_c * M->in_h * M->in_w;
    float *x = rn_alloc(sizeof(float) * in_count), *dlogits = rn_alloc(sizeof(float) * (size_t)n * M->classes);
    int32_t *labels = rn_alloc(sizeof(int32_t) * (size_t)n);
    random_model(1, r->params, r->stats);
    random_batch(2, n, x, labels);
    M->forward_train(r, x, logits);
    rn_softmax_xent(logits, labels, n, M->classes, 0.0f, dlogits);
    M->backward(r, dlogits);
    memcpy(grads, r->grads, sizeof(float) * M->param_floats);
    memcpy(stats, r->stats, sizeof(float) * M->stats_floats);
    rn_free(x); rn_free(dlogits); rn_free(labels);
    rn_run_destroy(r);
}

static int determinism(int n)
{
    float *l[2], *g[2], *s[2];
    for (int i = 0; i < 2; i++) {
        l[i] = rn_alloc(sizeof(float) * (size_t)n * M->classes);
        g[i] = rn_alloc(sizeof(float) * (M->param_floats + 1));
        s[i] = rn_alloc(sizeof(float) * (M->stats_floats + 1));
        step(n, l[i], g[i], s[i]);
    }
    const int same = !memcmp(l[0], l[1], sizeof(float) * (size_t)n * M->classes) &&
                     !memcmp(g[0], g[1], sizeof(float) * M->param_floats) &&
                     !memcmp(s[0], s[1], sizeof(float) * M->stats_floats);
    printf("%s determinism %s: logits, gradients and statistics %s\n", same ? "ok" : "FAIL", M->name,
           same ? "bit-identical" : "differ");
    for (int i = 0; i < 2; i++) {
        rn_free(l[i]); rn_free(g[i]); rn_free(s[i]);
    }
    return same ? 0 : 1;
}

/* The eval forward's cache of rearranged weights (wide layers: model.c.in, WORK_CACHE): used
 * while the parameters stay (a changed parameter without notice gives stale logits), and
 * redone after rn_run_params_changed or a training step (then the reference's logits). */
static int cache(int n)
{
    rn_run *r = new_run(n, 1);
    rn_reference *ref = rn_reference_create(M, n);
    const size_t in_count = (size_t)n * M->in_c * M->in_h * M->in_w, nl = (size_t)n * M->classes;
    float *x = rn_alloc(sizeof(float) * in_count), *logits = rn_alloc(sizeof(float) * nl);
    float *train_logits = rn_alloc(sizeof(float) * nl), *logits_ref = rn_alloc(sizeof(float) * nl);
    int32_t *labels = rn_alloc(sizeof(int32_t) * (size_t)n);
    random_model(1, r->params, r->stats);
    random_batch(2, n, x, labels);
    M->forward_infer(r, x, logits);
    rn_reference_forward(ref, n, r->params, r->stats, x, logits_ref, 0, r->bn_momentum, r->bn_eps);
    expect("eval logits", "first call", rel_l2(logits, logits_ref, nl), 1e-4);
    M->forward_infer(r, x, logits);
    expect("eval logits", "second call (cache)", rel_l2(logits, logits_ref, nl), 1e-4);

    for (size_t i = 0; i < M->param_floats; i++)
        r->params[i] *= 1.25f;
    rn_reference_forward(ref, n, r->params, r->stats, x, logits_ref, 0, r->bn_momentum, r->bn_eps);
    M->forward_infer(r, x, logits);   /* no notice: the cached weights are the old ones */
    const double stale = rel_l2(logits, logits_ref, nl);
    printf("%-5s %-13s %-40s rel err %.3e (must exceed 1e-3: the cache was used)\n",
           stale > 1e-3 ? "ok" : "FAIL", "eval logits", "changed without notice", stale);
    if (!(stale > 1e-3))
        failures++;
    rn_run_params_changed(r);
    M->forward_infer(r, x, logits);
    expect("eval logits", "after rn_run_params_changed", rel_l2(logits, logits_ref, nl), 1e-4);

    /* a training step: forward_train moves the epoch itself */
    M->forward_infer(r, x, logits);
    for (size_t i = 0; i < M->param_floats; i++)
        r->params[i] *= 0.8f;
    M->forward_train(r, x, train_logits);
    rn_reference_forward(ref, n, r->params, r->stats, x, logits_ref, 0, r->bn_momentum, r->bn_eps);
    M->forward_infer(r, x, logits);
    expect("eval logits", "after forward_train", rel_l2(logits, logits_ref, nl), 1e-4);

    rn_free(x); rn_free(logits); rn_free(train_logits); rn_free(logits_ref); rn_free(labels);
    rn_reference_destroy(ref);
    rn_run_destroy(r);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "parity";
    const int n = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1) {
        fprintf(stderr, "check_model: batch must be >= 1\n");
        return 2;
    }
    /* a model built for an ISA this CPU lacks: skipped (CTest SKIP_RETURN_CODE), not failed */
    if (!rn_model_runs_here(&RN_TEST_MODEL)) {
        fprintf(stderr, "check_model: SKIP: this CPU cannot run the %s kernels\n", RN_TEST_MODEL.isa);
        return 77;
    }
    if (!strcmp(mode, "parity"))
        return parity(n);
    if (!strcmp(mode, "fd"))
        return fd(n);
    if (!strcmp(mode, "determinism"))
        return determinism(n);
    if (!strcmp(mode, "cache"))
        return cache(n);
    fprintf(stderr, "usage: %s parity|fd|determinism|cache [batch]\n", argv[0]);
    return 2;
}
