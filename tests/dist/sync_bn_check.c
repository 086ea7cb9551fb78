/* sync_bn_check.c: synchronized batch norm (rn_run.bn_reduce, model.h) without MPI: P
 * "processes" are P threads of this program, each with its own rn_run on its part of one
 * batch, summing their BN statistics through an in-process reduction (fixed order, so all
 * threads get the same bits).
 *
 *   sync_bn_check_<model> [P] [N] [WEIGHTS.safetensors [X.npy LABELS.npy]]
 *
 * One training step (forward_train, softmax cross-entropy, backward) on a random batch of N
 * images (default 16), P = 2 parts (default):
 *   serial    one rn_run on the N images;
 *   reversed  the same N images in reverse order: the summation-order baseline (the same
 *             mathematics, sums in another order);
 *   sync      P runs of N/P images with bn_reduce set; loss gradient scaled by its share;
 *             parameter gradients summed over the parts (as the all-reduce does).
 * Compared per tensor (relative L2 against serial): the gradients of every parameter, the
 * logits and the running statistics. Fails when a sync error exceeds max(1e-5, 10 x the
 * reversed baseline of the same tensor), or when bn_reduce is never called.
 * Weights: torchvision's initialization (seed 1) with BN weights and biases drawn at random
 * (so BN is no identity), or a safetensors file; images: standard normal with random
 * labels, or the first N of X.npy (float32 NCHW) and LABELS.npy (integers).
 */
#include "resnetc/kernels.h"
#include "resnetc/model.h"
#include "resnetc/npy.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const rn_model RN_TEST_MODEL;
static const rn_model *M = &RN_TEST_MODEL;

enum { MAXP = 8 };

/* The in-process reduction: every part writes its buffer to its slot; after a barrier each
 * sums the slots in part order. */
typedef struct reducer {
    int parts;
    pthread_barrier_t barrier;
    double *slot[MAXP];
    size_t cap;
    long calls;
} reducer;

typedef struct part {
    reducer *red;
    int index;
    rn_run *r;
    const float *x;
    const int32_t *labels;
    int n, total;
    float *logits, *dlogits;
} part;

static _Thread_local int my_index;

static void reduce_cb(void *ctx, double *buf, int n)
{
    reducer *rd = ctx;
    if ((size_t)n > rd->cap) {
        fprintf(stderr, "reduce of %d values, room for %zu\n", n, rd->cap);
        exit(1);
    }
    memcpy(rd->slot[my_index], buf, (size_t)n * sizeof(double));
    pthread_barrier_wait(&rd->barrier);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int p = 0; p < rd->parts; p++)
            s += rd->slot[p][i];
        buf[i] = s;
    }
    if (my_index == 0)
        rd->calls++;
    pthread_barrier_wait(&rd->barrier); /* the slots are reused by the next call */
}

static void *run_part(void *arg)
{
    part *p = arg;
    my_index = p->index;
    const int K = M->classes;
    p->r->n = p->n;
    M->forward_train(p->r, p->x, p->logits);
    rn_softmax_xent(p->logits, p->labels, p->n, K, 0.0f, p->dlogits);
    const float share = (float)((double)p->n / (double)p->total);
    for (size_t i = 0; i < (size_t)p->n * K; i++)
        p->dlogits[i] *= share;
    M->backward(p->r, p->dlogits);
    return NULL;
}

static double rel(const float *a, const float *b, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        s += (double)a[i] * a[i];
    }
    return sqrt(d) / (sqrt(s) > 1e-30 ? sqrt(s) : 1e-30);
}

/* One serial step on images in the given order; grads, stats and logits copied out. */
static void serial_step(rn_run *r, const float *x, const int32_t *labels, int n, float *grads,
                        float *stats, float *logits, const float *params0, const float *stats0)
{
    const int K = M->classes;
    float *dl = rn_alloc((size_t)n * K * sizeof(float));
    memcpy(r->params, params0, M->param_floats * sizeof(float));
    memcpy(r->stats, stats0, M->stats_floats * sizeof(float));
    r->n = n;
    M->forward_train(r, x, logits);
    rn_softmax_xent(logits, labels, n, K, 0.0f, dl);
    M->backward(r, dl);
    memcpy(grads, r->grads, M->param_floats * sizeof(float));
    memcpy(stats, r->stats, M->stats_floats * sizeof(float));
    rn_free(dl);
}

int main(int argc, char **argv)
{
    const int P = argc > 1 ? atoi(argv[1]) : 2;
    const int N = argc > 2 ? atoi(argv[2]) : 16;
    const char *weights = argc > 3 ? argv[3] : NULL;
    if (P < 2 || P > MAXP || N < P || N % P != 0) {
        fprintf(stderr, "usage: sync_bn_check [P 2..%d] [N, a multiple of P] [weights]\n", MAXP);
        return 2;
    }
    const int K = M->classes;
    const size_t chw = (size_t)M->in_c * M->in_h * M->in_w;
    float *params0 = rn_alloc(M->param_floats * sizeof(float));
    float *stats0 = rn_alloc(M->stats_floats * sizeof(float) + 64);
    rn_rng g;
    rn_rng_seed(&g, 1, 3);
    if (weights != NULL) {
        if (rn_weights_load(M, weights, params0, stats0) != 0)
            return 2;
    } else {
        rn_weights_init(M, 1, params0, stats0);
        for (int t = 0; t < M->n_tensors; t++) {
            const rn_tensor_info *e = &M->tensors[t];
            float *p = params0 + e->offset;
            if (e->role == RN_BN_WEIGHT)
                for (size_t i = 0; i < e->count; i++)
                    p[i] = 0.5f + 0.5f * (float)rn_rng_below(&g, 1000) / 1000.0f;
            if (e->role == RN_BN_BIAS)
                for (size_t i = 0; i < e->count; i++)
                    p[i] = 0.2f * rn_rng_normal(&g);
        }
    }
    float *x = rn_alloc((size_t)N * chw * sizeof(float));
    float *xr = rn_alloc((size_t)N * chw * sizeof(float));
    int32_t *labels = rn_alloc((size_t)N * sizeof(int32_t));
    int32_t *labels_r = rn_alloc((size_t)N * sizeof(int32_t));
    for (size_t i = 0; i < (size_t)N * chw; i++)
        x[i] = rn_rng_normal(&g);
    for (int i = 0; i < N; i++)
        labels[i] = (int32_t)rn_rng_below(&g, (uint32_t)K);
    if (argc > 5) {
        rn_npy xa, la;
        if (rn_npy_read(argv[4], RN_NPY_F32, &xa) != 0 || rn_npy_read(argv[5], RN_NPY_I64, &la) != 0)
            return 2;
        if (xa.count < (size_t)N * chw || la.count < (size_t)N) {
            fprintf(stderr, "%s, %s: fewer than %d images\n", argv[4], argv[5], N);
            return 2;
        }
        memcpy(x, xa.data, (size_t)N * chw * sizeof(float));
        for (int i = 0; i < N; i++)
            labels[i] = (int32_t)((const int64_t *)la.data)[i];
        rn_npy_free(&xa);
        rn_npy_free(&la);
    }
    for (int i = 0; i < N; i++) {
        memcpy(xr + (size_t)i * chw, x + (size_t)(N - 1 - i) * chw, chw * sizeof(float));
        labels_r[i] = labels[N - 1 - i];
    }

    /* serial, and reversed */
    rn_run *r = rn_run_create(M, N, 0);
    if (r == NULL)
        return 2;
    float *g_ser = rn_alloc(M->param_floats * sizeof(float));
    float *g_rev = rn_alloc(M->param_floats * sizeof(float));
    float *s_ser = rn_alloc(M->stats_floats * sizeof(float) + 64);
    float *s_rev = rn_alloc(M->stats_floats * sizeof(float) + 64);
    float *l_ser = rn_alloc((size_t)N * K * sizeof(float));
    float *l_rev = rn_alloc((size_t)N * K * sizeof(float));
    float *l_rev2 = rn_alloc((size_t)N * K * sizeof(float));
    serial_step(r, x, labels, N, g_ser, s_ser, l_ser, params0, stats0);
    serial_step(r, xr, labels_r, N, g_rev, s_rev, l_rev, params0, stats0);
    for (int i = 0; i < N; i++)
        memcpy(l_rev2 + (size_t)i * K, l_rev + (size_t)(N - 1 - i) * K, (size_t)K * sizeof(float));

    /* sync: P threads */
    reducer rd;
    memset(&rd, 0, sizeof rd);
    rd.parts = P;
    rd.cap = 1 << 16;
    pthread_barrier_init(&rd.barrier, NULL, (unsigned)P);
    part parts[MAXP];
    pthread_t th[MAXP];
    const int n = N / P;
    for (int p = 0; p < P; p++) {
        rd.slot[p] = rn_alloc(rd.cap * sizeof(double));
        part *q = &parts[p];
        q->red = &rd;
        q->index = p;
        q->r = rn_run_create(M, n, 0);
        if (q->r == NULL)
            return 2;
        memcpy(q->r->params, params0, M->param_floats * sizeof(float));
        memcpy(q->r->stats, stats0, M->stats_floats * sizeof(float));
        q->r->bn_reduce = reduce_cb;
        q->r->bn_reduce_ctx = &rd;
        q->x = x + (size_t)p * n * chw;
        q->labels = labels + (size_t)p * n;
        q->n = n;
        q->total = N;
        q->logits = rn_alloc((size_t)n * K * sizeof(float));
        q->dlogits = rn_alloc((size_t)n * K * sizeof(float));
    }
    for (int p = 0; p < P; p++)
        pthread_create(&th[p], NULL, run_part, &parts[p]);
    for (int p = 0; p < P; p++)
        pthread_join(th[p], NULL);
    float *g_sync = rn_alloc(M->param_floats * sizeof(float));
    float *l_sync = rn_alloc((size_t)N * K * sizeof(float));
    for (size_t i = 0; i < M->param_floats; i++) {
        float s = 0.0f;
        for (int p = 0; p < P; p++)
            s += parts[p].r->grads[i];
        g_sync[i] = s;
    }
    for (int p = 0; p < P; p++)
        memcpy(l_sync + (size_t)p * n * K, parts[p].logits, (size_t)n * K * sizeof(float));

    int fails = 0;
    double worst = 0, worst_base = 0;
    printf("%-36s %12s %12s\n", "tensor", "reversed", "sync");
#define CMP(name, ref, rev, got, count)                                                    \
    do {                                                                                   \
        const double eb = rel(ref, rev, count), es = rel(ref, got, count);                \
        const double lim = fmax(1e-5, 10.0 * eb);                                          \
        const int bad = !(es <= lim);                                                       \
        fails += bad;                                                                      \
        if (es > worst)                                                                    \
            worst = es, worst_base = eb;                                                   \
        printf("%-36s %12.3e %12.3e%s\n", name, eb, es, bad ? "  FAIL" : "");             \
    } while (0)
    CMP("logits", l_ser, l_rev2, l_sync, (size_t)N * K);
    char name[300];
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        const int stat = e->role == RN_BN_MEAN || e->role == RN_BN_VAR;
        snprintf(name, sizeof name, "%s%s", stat ? "" : "grad ", e->name);
        if (stat) {
            /* every part holds the same (global) running statistics */
            for (int p = 1; p < P; p++)
                if (memcmp(parts[p].r->stats + e->offset, parts[0].r->stats + e->offset,
                           e->count * sizeof(float)) != 0) {
                    printf("%s: part %d's running statistics differ from part 0's  FAIL\n",
                           e->name, p);
                    fails++;
                }
            CMP(name, s_ser + e->offset, s_rev + e->offset, parts[0].r->stats + e->offset,
                e->count);
        } else {
            CMP(name, g_ser + e->offset, g_rev + e->offset, g_sync + e->offset, e->count);
        }
    }
    if (rd.calls == 0) {
        printf("bn_reduce was never called  FAIL\n");
        fails++;
    }
    printf("%s, %d parts of %d images: %ld reductions; worst sync error %.3e (its reversed "
           "baseline %.3e); %d failure(s)\n",
           M->name, P, n, rd.calls, worst, worst_base, fails);
    for (int p = 0; p < P; p++) {
        rn_run_destroy(parts[p].r);
        rn_free(parts[p].logits);
        rn_free(parts[p].dlogits);
        rn_free(rd.slot[p]);
    }
    pthread_barrier_destroy(&rd.barrier);
    rn_run_destroy(r);
    void *bufs[] = {params0, stats0, x, xr, labels, labels_r, g_ser, g_rev, s_ser, s_rev,
                    l_ser, l_rev, l_rev2, g_sync, l_sync};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        rn_free(bufs[i]);
    return fails ? 1 : 0;
}
