/* run.c: one-arena allocation of rn_run (see resnetc/runtime.h). Does not run anything:
 * the schedules are the generated model's. */
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Threads a run's scratch is sized for: what OpenMP would start by default. */
static int max_threads(void)
{
#ifdef _OPENMP
    int t = omp_get_max_threads();
    return t > 0 ? t : 1;
#else
    return 1;
#endif
}

/* Bytes of a region of `floats` floats, rounded to 64 with a 64-byte minimum; 0 on
 * overflow (a real region is never 0). */
static size_t region(size_t floats)
{
    if (floats > (SIZE_MAX - 128) / sizeof(float))
        return 0;
    size_t b = (floats * sizeof(float) + 63) & ~(size_t)63;
    return b ? b : 64;
}

static size_t add(size_t a, size_t b)
{
    return (a == 0 || b == 0 || a > SIZE_MAX - b) ? 0 : a + b;
}

/* Region sizes; returns 0 on overflow. */
static int layout(const rn_model *m, int n, int want_dinput, size_t sz[7])
{
    if (n < 1)
        return 0;
    size_t act = m->train_act_floats > m->infer_act_floats ? m->train_act_floats
                                                            : m->infer_act_floats;
    if (act != 0 && act > SIZE_MAX / (size_t)n)
        return 0;
    size_t in = (size_t)m->in_c * (size_t)m->in_h * (size_t)m->in_w;
    if (in != 0 && in > SIZE_MAX / (size_t)n)
        return 0;
    sz[0] = (sizeof(rn_run) + 63) & ~(size_t)63;
    sz[1] = region(m->param_floats);
    sz[2] = region(m->param_floats);
    sz[3] = region(m->stats_floats);
    sz[4] = region(act * (size_t)n);
    size_t scratch = m->thread_scratch_floats;
    if (scratch > (SIZE_MAX / 8) / (size_t)max_threads())
        return 0;
    sz[5] = region(m->work_floats + scratch * (size_t)max_threads());
    sz[6] = want_dinput ? region(in * (size_t)n) : 64;
    for (int i = 0; i < 7; i++)
        if (sz[i] == 0)
            return 0;
    return 1;
}

size_t rn_run_bytes(const rn_model *m, int n, int training)
{
    size_t sz[7];
    if (!layout(m, n, training, sz))
        return 0;
    size_t total = sz[0];
    for (int i = 1; i < 7; i++) {
        if (i == 6 && !training)
            break;
        total = add(total, sz[i]);
    }
    return total;
}

rn_run *rn_run_create(const rn_model *m, int n, int want_dinput)
{
    if (!rn_model_runs_here(m))
        return NULL;
    size_t bytes = rn_run_bytes(m, n, want_dinput);
    size_t sz[7];
    if (bytes == 0 || !layout(m, n, want_dinput, sz)) {
        rn_error("%s: cannot size a run for batch %d: expected a batch >= 1 whose buffers fit "
                 "in memory", m->name, n);
        return NULL;
    }
    unsigned char *base = rn_alloc(bytes);
    rn_run *r = (rn_run *)base;
    size_t off = sz[0];
    float *ptr[6];
    for (int i = 1; i < 7; i++) {
        if (i == 6 && !want_dinput) {
            ptr[5] = NULL;
            break;
        }
        ptr[i - 1] = (float *)(base + off);
        off += sz[i];
    }
    r->model = m;
    r->n = n;
    r->threads = 1;
    r->bn_momentum = 0.1f;
    r->bn_eps = 1e-5f;
    r->params = ptr[0];
    r->grads = ptr[1];
    r->stats = ptr[2];
    r->act = ptr[3];
    r->work = ptr[4];
    r->dinput = ptr[5];
    r->max_threads = max_threads();
    r->scratch = r->work + m->work_floats;
    r->profile = NULL;
    r->bn_reduce = NULL;
    r->bn_reduce_ctx = NULL;
    return r;
}

void rn_run_destroy(rn_run *r)
{
    rn_free(r);
}

void rn_run_params_changed(rn_run *r)
{
    r->params_epoch++;
}
