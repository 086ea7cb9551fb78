/* check_infer_only.c: the inference-only model (generate --mode infer) against the full one.
 * Compiled with RN_FULL=<name>_model, RN_INFER=<name>_infer, RN_INFER_HEADER="<name>_infer.h"
 * and RN_UPPER=<NAME>; links both libraries (so their headers must also coexist).
 *
 * Checks: the tensor table matches the full model's (names, shapes, offsets in the one params
 * buffer, the HWIO flag); the byte macros match the figures; for batches 1 and 3 and 1 and 2
 * threads the logits equal the full model's forward_infer bit for bit, the params buffer is
 * not written and nothing is written past the workspace; four POSIX threads calling it at
 * once (one workspace each, one image each, repeatedly) get the same logits as one call at
 * a time (re-entrancy); bad arguments return -1 and write nothing. Exits 1 on any failure. */
#include "resnetc/model.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"
#include RN_INFER_HEADER

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define INFER_FN RN_INFER
#define TENSORS CAT(RN_INFER, _tensors)
#define WORKSPACE_BYTES CAT(RN_INFER, _workspace_bytes)
#define PARAM_BYTES CAT(RN_UPPER, _PARAM_BYTES)
#define BUFFER_FLOATS CAT(RN_UPPER, _PARAM_BUFFER_FLOATS)
#define INFER_BYTES(n, t) CAT(RN_UPPER, _INFER_BYTES)(n, t)
#define N_TENSORS CAT(RN_UPPER, _INFER_TENSORS)
#define CLASSES CAT(RN_UPPER, _CLASSES)

extern const rn_model RN_FULL;
static const rn_model *M = &RN_FULL;
static int failures;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("FAIL: " __VA_ARGS__);                                                      \
            printf("\n");                                                                      \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static void check_table(void)
{
    CHECK(N_TENSORS == M->n_tensors, "%d tensors, full model has %d", N_TENSORS, M->n_tensors);
    CHECK(BUFFER_FLOATS == M->param_floats + M->stats_floats, "params buffer %zu floats, expected %zu",
          (size_t)BUFFER_FLOATS, M->param_floats + M->stats_floats);
    CHECK(PARAM_BYTES == 4 * (M->param_floats + M->stats_floats), "PARAM_BYTES %zu", (size_t)PARAM_BYTES);
    for (int t = 0; t < M->n_tensors && t < N_TENSORS; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        const int stat = e->role == RN_BN_MEAN || e->role == RN_BN_VAR;
        const size_t off = e->offset + (stat ? M->param_floats : 0);
        CHECK(strcmp(TENSORS[t].name, e->name) == 0, "tensor %d: name %s, expected %s", t,
              TENSORS[t].name, e->name);
        CHECK(TENSORS[t].offset == off && TENSORS[t].count == e->count && TENSORS[t].ndim == e->ndim &&
                  !memcmp(TENSORS[t].shape, e->shape, sizeof e->shape) &&
                  TENSORS[t].hwio == (e->role == RN_CONV_WEIGHT),
              "tensor %s: offset/count/shape/layout differ from the full model's", e->name);
    }
}

/* One concurrent caller: image `i` of x, `rounds` times, into its own logits. */
typedef struct caller {
    const float *params, *x;
    float logits[CLASSES];
    int rounds, failed;
} caller;

static void *call_repeatedly(void *arg)
{
    caller *c = arg;
    const size_t ws = WORKSPACE_BYTES(1, 1);
    void *w = rn_alloc(ws);
    for (int k = 0; k < c->rounds; k++) {
        float out[CLASSES];
        c->failed |= INFER_FN(c->params, c->x, 1, out, w, ws, 1) != 0;
        if (k == 0)
            memcpy(c->logits, out, sizeof out);
        else
            c->failed |= memcmp(c->logits, out, sizeof out) != 0;
    }
    rn_free(w);
    return NULL;
}

int main(void)
{
    enum { NMAX = 3 };
    check_table();
    rn_run *r = rn_run_create(M, NMAX, 0);
    if (r == NULL)
        return 1;
    rn_weights_init(M, 11, r->params, r->stats);
    rn_rng g;
    rn_rng_seed(&g, 5, 1);
    /* BN statistics away from (0, 1) and BN weights away from 1, so eval-mode BN matters */
    for (int t = 0; t < M->n_tensors; t++) {
        const rn_tensor_info *e = &M->tensors[t];
        for (size_t i = 0; i < e->count; i++) {
            if (e->role == RN_BN_MEAN)
                r->stats[e->offset + i] = 0.2f * rn_rng_normal(&g);
            else if (e->role == RN_BN_VAR)
                r->stats[e->offset + i] = 0.5f + rn_rng_uniform(&g);
            else if (e->role == RN_BN_WEIGHT || e->role == RN_BN_BIAS)
                r->params[e->offset + i] += 0.3f * rn_rng_normal(&g);
        }
    }
    const size_t nparam = BUFFER_FLOATS;
    float *params = rn_alloc(nparam * sizeof(float)), *copy = rn_alloc(nparam * sizeof(float));
    memcpy(params, r->params, M->param_floats * sizeof(float));
    memcpy(params + M->param_floats, r->stats, M->stats_floats * sizeof(float));
    memcpy(copy, params, nparam * sizeof(float));

    const size_t per = (size_t)M->in_c * M->in_h * M->in_w;
    float *x = rn_alloc(NMAX * per * sizeof(float));
    for (size_t i = 0; i < NMAX * per; i++)
        x[i] = rn_rng_normal(&g);
    float full[NMAX * CLASSES], mine[NMAX * CLASSES];

    const int batches[2] = {1, NMAX}, threads[2] = {1, 2};
    for (int bi = 0; bi < 2; bi++)
        for (int ti = 0; ti < 2; ti++) {
            const int n = batches[bi], nt = threads[ti];
            r->n = n;
            r->threads = nt;
            M->forward_infer(r, x, full);
            const size_t ws = WORKSPACE_BYTES(n, nt);
            CHECK(ws == INFER_BYTES(n, nt), "workspace_bytes(%d, %d) = %zu, INFER_BYTES %zu", n, nt, ws,
                  (size_t)INFER_BYTES(n, nt));
            unsigned char *w = rn_alloc(ws + 256);
            memset(w + ws, 0xA5, 256);
            memset(mine, 0, sizeof mine);
            int rc = INFER_FN(params, x, n, mine, w, ws, nt);
            CHECK(rc == 0, "batch %d, %d threads: returned %d", n, nt, rc);
            double maxd = 0;
            for (int i = 0; i < n * CLASSES; i++)
                maxd = fmax(maxd, fabs((double)mine[i] - full[i]));
            int same = memcmp(mine, full, (size_t)n * CLASSES * sizeof(float)) == 0;
            printf("batch %d, %d thread(s): logits %s the full model's (max |difference| %.3g)\n", n, nt,
                   same ? "equal" : "DIFFER from", maxd);
            CHECK(same, "batch %d, %d threads: logits differ", n, nt);
            int intact = 1;
            for (int i = 0; i < 256; i++)
                intact &= w[ws + (size_t)i] == 0xA5;
            CHECK(intact, "batch %d, %d threads: wrote past the workspace", n, nt);
            CHECK(!memcmp(params, copy, nparam * sizeof(float)), "the params buffer was written");
            rn_free(w);
        }

    /* re-entrancy: 4 threads at once, each its own image (x has NMAX; reuse cyclically) */
    {
        enum { CALLERS = 4 };
        caller callers[CALLERS];
        pthread_t tid[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = (caller){.params = params, .x = x + (size_t)(i % NMAX) * per, .rounds = 20};
            CHECK(pthread_create(&tid[i], NULL, call_repeatedly, &callers[i]) == 0, "pthread_create");
        }
        for (int i = 0; i < CALLERS; i++)
            pthread_join(tid[i], NULL);
        for (int i = 0; i < CALLERS; i++) {
            float alone[CLASSES];
            void *w = rn_alloc(WORKSPACE_BYTES(1, 1));
            CHECK(INFER_FN(params, callers[i].x, 1, alone, w, WORKSPACE_BYTES(1, 1), 1) == 0, "call");
            rn_free(w);
            CHECK(!callers[i].failed && !memcmp(alone, callers[i].logits, sizeof alone),
                  "concurrent caller %d: logits differ from a call alone", i);
        }
        printf("4 concurrent callers x 20 calls: %s\n", failures ? "FAILED" : "same logits as alone");
    }

    /* bad arguments: -1 and nothing written */
    const size_t ws = WORKSPACE_BYTES(2, 1);
    unsigned char *w = rn_alloc(ws);
    memset(mine, 0x5A, sizeof mine);
    CHECK(INFER_FN(params, x, 2, mine, w, ws - 1, 1) == -1, "a workspace one byte short was accepted");
    CHECK(INFER_FN(params, x, 0, mine, w, ws, 1) == -1, "batch 0 was accepted");
    CHECK(INFER_FN(params, x, 2, mine, w, ws, 0) == -1, "0 threads was accepted");
    CHECK(INFER_FN(NULL, x, 2, mine, w, ws, 1) == -1, "NULL params were accepted");
    CHECK(INFER_FN(params, NULL, 2, mine, w, ws, 1) == -1, "NULL input was accepted");
    CHECK(INFER_FN(params, x, 2, NULL, w, ws, 1) == -1, "NULL logits were accepted");
    CHECK(INFER_FN(params, x, 2, mine, NULL, ws, 1) == -1, "NULL workspace was accepted");
    int untouched = 1;
    for (size_t i = 0; i < sizeof mine; i++)
        untouched &= ((unsigned char *)mine)[i] == 0x5A;
    CHECK(untouched, "a rejected call wrote logits");
    CHECK(WORKSPACE_BYTES(0, 1) == 0 && WORKSPACE_BYTES(1, 0) == 0 && WORKSPACE_BYTES(-1, 1) == 0,
          "workspace_bytes accepted a batch or thread count below 1");
    printf("%s: %d tensors, params %zu bytes, workspace %zu bytes at batch 1, 1 thread\n", M->name,
           N_TENSORS, (size_t)PARAM_BYTES, (size_t)WORKSPACE_BYTES(1, 1));

    rn_free(w);
    rn_free(x);
    rn_free(params);
    rn_free(copy);
    rn_run_destroy(r);
    if (failures)
        printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
