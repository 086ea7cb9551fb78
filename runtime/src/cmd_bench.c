/* cmd_bench.c: `<model> bench`: validated throughput and latency of a model.
 *
 *   <model> bench [--batch B] [--infer-batch B1] [--threads T] [--iters N] [--warmup W]
 *                 [--mode train|infer|both] [--peak GFLOPS] [--generic] [--json] ...
 *
 * 1. Weights from rn_weights_init (torchvision's init, --seed), a random normal batch and
 *    random labels.
 * 2. Validation, before any timing: on a small batch (--validate-batch) the generated
 *    forward_train, backward and forward_infer are compared with the reference executor
 *    (reference.h: generic kernels, unplanned memory): training logits, BN running
 *    statistics, every parameter gradient, eval logits; relative L2 error < 1e-3 each
 *    (--tolerance; float32 gradients of the 224x224 models are not that well conditioned
 *    at small batches, see docs/benchmarks.md).
 *    Any failure: the errors are printed and nothing is timed (exit 1). One exception: when
 *    only gradients fail and every forward comparison passes, a new validation batch is
 *    drawn, up to --validate-tries batches (a ReLU input within float32 error of 0 can fall
 *    on the other side of the kink in one executor; deep nets at batch 2 meet such ties on
 *    most inputs, docs/benchmarks.md). --save-validation DIR keeps the first batch's inputs
 *    and both gradients for bench/grad_vs_f64.py.
 * 3. Timing, each phase `--warmup` untimed runs then `--iters` timed runs, medians reported:
 *      train   one training step on B images: forward_train + rn_softmax_xent_fast + backward
 *              + rn_sgd_step (sgd.h: momentum 0.9, weight decay 1e-4, lr 0.01)
 *      infer   forward_infer on B1 images
 *      latency forward_infer on 1 image (milliseconds)
 *    With --generic the same phases run the reference executor over the generic kernels
 *    instead of the generated schedules (the specialized-versus-generic baseline); the
 *    validation still runs first.
 *
 * Conventions: FLOPs = 2 x MACs, MACs = m->macs_per_image (forward, per image).
 * Inference counts 2 x MACs per image; a training step counts 3 x forward, i.e.
 * 6 x MACs per image (backward-data and backward-weights each cost about one forward;
 * BN, ReLU, softmax and SGD are not counted). GFLOP/s = counted FLOPs / median time.
 * Fraction of peak = GFLOP/s / --peak (the caller's measured peak, bench/peak); null
 * without --peak.
 *
 * 4. --profile (not with --generic): after timing, a separate pass of --iters steps with
 *    the run's profile array set (resnetc/profile.h): the generated schedules time each
 *    statement, and rn_profile_print reports milliseconds per step by kernel
 *    (stderr with --json, so stdout stays one JSON object). Separate, so that the timings
 *    above carry no profiling overhead.
 *
 * The per-conv specialized versus generic table is another program (bench/conv_layers.c,
 * conv_layers_<model>). Threads: r->threads and omp_set_num_threads(T) (before the run and
 * the reference are created, so per-thread scratch is sized for T).
 */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/kernels.h"
#include "resnetc/npy.h"
#include "resnetc/profile.h"
#include "resnetc/reference.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/sgd.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define BENCH_TOL 1e-3    /* default relative L2 error allowed in validation (--tolerance) */
#define BENCH_LR 0.01f    /* learning rate of the timed SGD steps */

/* What is being timed: the generated schedules or the reference executor. */
typedef struct bench_ctx {
    const rn_model *m;
    int generic;
    int threads;
    rn_run *r;               /* params, grads, stats (and the generated schedules' arena) */
    rn_reference *ref;       /* reference executor (validation; --generic timing) */
    rn_sgd sgd;
    float *x;                /* cap images, NCHW */
    int32_t *labels;
    float *logits, *dlogits; /* cap x classes */
    float last_loss;
} bench_ctx;

/* A timed phase: a name, how many images one call processes, the FLOPs counted per call
 * and the call itself. */
typedef struct bench_phase {
    const char *name;
    int n;
    double flops;
    void (*fn)(bench_ctx *c, int n);
} bench_phase;

typedef struct bench_timing {
    int ran;
    double median_s, min_s;
} bench_timing;

static void train_step(bench_ctx *c, int n)
{
    const rn_model *m = c->m;
    rn_run *r = c->r;
    if (c->generic) {
        rn_reference_forward(c->ref, n, r->params, r->stats, c->x, c->logits, 1, r->bn_momentum,
                             r->bn_eps);
        c->last_loss = rn_softmax_xent_fast(c->logits, c->labels, n, m->classes, 0.0f, c->dlogits);
        rn_reference_backward(c->ref, r->params, c->dlogits, r->grads, NULL);
    } else {
        r->n = n;
        m->forward_train(r, c->x, c->logits);
        c->last_loss = rn_softmax_xent_fast(c->logits, c->labels, n, m->classes, 0.0f, c->dlogits);
        m->backward(r, c->dlogits);
    }
    rn_sgd_step(&c->sgd, r->params, r->grads, BENCH_LR);
}

static void infer(bench_ctx *c, int n)
{
    rn_run *r = c->r;
    if (c->generic) {
        rn_reference_forward(c->ref, n, r->params, r->stats, c->x, c->logits, 0, r->bn_momentum,
                             r->bn_eps);
    } else {
        r->n = n;
        c->m->forward_infer(r, c->x, c->logits);
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The clock of the timings: wall time, or (--clock cpu) the CPU time of the whole process,
 * every thread summed, which leaves out the time the process waits preempted; with
 * --threads 1 on a loaded machine, the compute time of a call. */
static int use_cpu_clock;

static double clock_now(void)
{
    if (!use_cpu_clock)
        return rn_seconds();
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* warmup untimed calls, then iters timed ones: median and minimum seconds per call. */
static bench_timing time_phase(bench_ctx *c, const bench_phase *p, int warmup, int iters)
{
    bench_timing t = {1, 0.0, 0.0};
    double *s = rn_alloc(sizeof(double) * (size_t)iters);
    for (int i = 0; i < warmup; i++)
        p->fn(c, p->n);
    for (int i = 0; i < iters; i++) {
        const double t0 = clock_now();
        p->fn(c, p->n);
        s[i] = clock_now() - t0;
    }
    qsort(s, (size_t)iters, sizeof *s, cmp_double);
    t.median_s = iters % 2 ? s[iters / 2] : 0.5 * (s[iters / 2 - 1] + s[iters / 2]);
    t.min_s = s[0];
    rn_free(s);
    return t;
}

/* ||a - b|| / ||b|| in double; 0 when both are (numerically) zero. */
static double rel_l2(const float *a, const float *b, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)a[i] - (double)b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    num = sqrt(num);
    den = sqrt(den);
    if (num == 0.0)
        return 0.0;
    return num / (den > 1e-30 ? den : 1e-30);
}

enum { BENCH_LISTED = 10 }; /* failing comparisons listed without --verbose */

/* What a validation comparison compares; gradients alone may be retried on a new batch. */
typedef enum {
    CHECK_TRAIN_LOGITS,
    CHECK_RUNNING_STAT,
    CHECK_GRADIENT,
    CHECK_EVAL_LOGITS
} check_kind;
static const char *const check_kind_name[] = {"train logits", "running stat", "gradient",
                                              "eval logits"};

typedef struct bench_check {
    double tol;             /* relative L2 error allowed */
    double worst;           /* largest relative error seen */
    const char *worst_what; /* a check_kind_name */
    const char *worst_name; /* tensor or model name */
    int failures;
    int gradient_failures;  /* of which parameter gradients */
    int checked;
    int verbose;
    struct { const char *what, *name; double err; } failed[BENCH_LISTED]; /* the first ones */
} bench_check;

static void check(bench_check *v, check_kind kind, const char *name, double err)
{
    const char *what = check_kind_name[kind];
    const int ok = err < v->tol; /* NaN fails */
    v->checked++;
    if (!ok) {
        if (v->failures < BENCH_LISTED) {
            v->failed[v->failures].what = what;
            v->failed[v->failures].name = name;
            v->failed[v->failures].err = err;
        }
        v->failures++;
        v->gradient_failures += kind == CHECK_GRADIENT;
    }
    if (!(err <= v->worst) && !isnan(v->worst)) { /* larger, or the first NaN */
        v->worst = err;
        v->worst_what = what;
        v->worst_name = name;
    }
    if (v->verbose)
        fprintf(stderr, "bench: validation: %-4s %-12s %-36s rel L2 %.2e\n", ok ? "ok" : "FAIL",
                what, name, err);
}

/* The failing comparisons of v, on stderr (all of them were printed already with --verbose). */
static void list_failures(const bench_check *v)
{
    if (v->verbose)
        return;
    for (int i = 0; i < v->failures && i < BENCH_LISTED; i++)
        rn_error("bench: validation: %s %s: relative L2 error %.3e against the reference "
                 "executor (tolerance %.1e)", v->failed[i].what, v->failed[i].name,
                 v->failed[i].err, v->tol);
    if (v->failures > BENCH_LISTED)
        rn_error("bench: validation: further failures not listed (--verbose lists all)");
}

/* --save-validation DIR: the validation's inputs and both gradients, so that a failure can
 * be judged against float64 (bench/grad_vs_f64.py takes these files): DIR/weights.safetensors,
 * DIR/x.npy (nv images), DIR/y.npy (their labels), DIR/grads.safetensors (the generated
 * backward) and DIR/grads_reference.safetensors (the reference executor's). 0 or -1. */
static int save_validation(const bench_ctx *c, int nv, const char *dir, const float *params,
                           const float *stats, const float *grads_ref, float loss)
{
    const rn_model *m = c->m;
    char path[4096];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return rn_error("bench: --save-validation: cannot create %s: %s", dir, strerror(errno));
    int64_t xshape[4] = {nv, m->in_c, m->in_h, m->in_w}, yshape[1] = {nv};
    int64_t labels[1024]; /* --validate-batch is at most 1024 */
    for (int i = 0; i < nv; i++)
        labels[i] = c->labels[i];
    int rc = 0;
    snprintf(path, sizeof path, "%s/weights.safetensors", dir);
    rc |= rn_weights_save(m, path, params, stats);
    snprintf(path, sizeof path, "%s/x.npy", dir);
    rc |= rn_npy_write_f32(path, c->x, 4, xshape);
    snprintf(path, sizeof path, "%s/y.npy", dir);
    rc |= rn_npy_write_i64(path, labels, 1, yshape);
    snprintf(path, sizeof path, "%s/grads.safetensors", dir);
    rc |= rn_grads_save(m, path, c->r->grads, loss);
    snprintf(path, sizeof path, "%s/grads_reference.safetensors", dir);
    rc |= rn_grads_save(m, path, grads_ref, loss);
    return rc ? -1 : 0;
}

/* n standard-normal images into x, then their n random labels, from g. */
static void draw_batch(rn_rng *g, const rn_model *m, long n, float *x, int32_t *labels)
{
    const size_t floats = (size_t)n * m->in_c * m->in_h * m->in_w;
    for (size_t i = 0; i < floats; i++)
        x[i] = rn_rng_normal(g);
    for (long i = 0; i < n; i++)
        labels[i] = (int32_t)rn_rng_below(g, (uint32_t)m->classes);
}

/* The generated model against the reference executor on the first nv images of c->x.
 * Leaves params and stats as they were. inject: corrupt one gradient (tests the refusal).
 * save_dir: see save_validation. 0, or -1 when saving failed. */
static int validate(bench_ctx *c, int nv, int inject, const char *save_dir, bench_check *v)
{
    const rn_model *m = c->m;
    rn_run *r = c->r;
    const size_t nc = (size_t)nv * (size_t)m->classes;
    float *params0 = rn_alloc(sizeof(float) * (m->param_floats + 1));
    float *stats0 = rn_alloc(sizeof(float) * (m->stats_floats + 1));
    float *stats_ref = rn_alloc(sizeof(float) * (m->stats_floats + 1));
    float *grads_ref = rn_alloc(sizeof(float) * (m->param_floats + 1));
    float *logits_ref = rn_alloc(sizeof(float) * nc);
    memcpy(params0, r->params, sizeof(float) * m->param_floats);
    memcpy(stats0, r->stats, sizeof(float) * m->stats_floats);
    memcpy(stats_ref, r->stats, sizeof(float) * m->stats_floats);

    r->n = nv;
    m->forward_train(r, c->x, c->logits);
    rn_reference_forward(c->ref, nv, r->params, stats_ref, c->x, logits_ref, 1, r->bn_momentum,
                         r->bn_eps);
    check(v, CHECK_TRAIN_LOGITS, m->name, rel_l2(c->logits, logits_ref, nc));
    for (int t = 0; t < m->n_tensors; t++) {
        const rn_tensor_info *e = &m->tensors[t];
        if (e->role == RN_BN_MEAN || e->role == RN_BN_VAR)
            check(v, CHECK_RUNNING_STAT, e->name,
                  rel_l2(r->stats + e->offset, stats_ref + e->offset, e->count));
    }
    /* one dlogits for both, so a backward error is not mixed with a forward one */
    const float loss = rn_softmax_xent(logits_ref, c->labels, nv, m->classes, 0.0f, c->dlogits);
    m->backward(r, c->dlogits);
    rn_reference_backward(c->ref, r->params, c->dlogits, grads_ref, NULL);
    int rc = 0;
    if (save_dir != NULL)
        rc = save_validation(c, nv, save_dir, params0, stats0, grads_ref, loss);
    if (inject && m->n_tensors > 0) {
        const rn_tensor_info *e = &m->tensors[0];
        for (size_t i = 0; i < e->count; i++)
            r->grads[e->offset + i] *= 1.01f;
    }
    for (int t = 0; t < m->n_tensors; t++) {
        const rn_tensor_info *e = &m->tensors[t];
        if (e->role != RN_BN_MEAN && e->role != RN_BN_VAR)
            check(v, CHECK_GRADIENT, e->name,
                  rel_l2(r->grads + e->offset, grads_ref + e->offset, e->count));
    }
    m->forward_infer(r, c->x, c->logits);
    rn_reference_forward(c->ref, nv, r->params, r->stats, c->x, logits_ref, 0, r->bn_momentum,
                         r->bn_eps);
    check(v, CHECK_EVAL_LOGITS, m->name, rel_l2(c->logits, logits_ref, nc));

    memcpy(r->params, params0, sizeof(float) * m->param_floats);
    memcpy(r->stats, stats0, sizeof(float) * m->stats_floats);
    rn_run_params_changed(r);
    rn_free(params0);
    rn_free(stats0);
    rn_free(stats_ref);
    rn_free(grads_ref);
    rn_free(logits_ref);
    return rc;
}

/* A JSON number, or null when not measured. */
static void json_num(const char *key, double v, int valid, const char *fmt, int last)
{
    printf("\"%s\": ", key);
    if (valid && isfinite(v))
        printf(fmt, v);
    else
        printf("null");
    printf(last ? "" : ", ");
}

/* JSON string for names we control (model names, tensor names: no quotes or controls). */
static void json_str(const char *key, const char *s, int last)
{
    printf("\"%s\": \"", key);
    for (const char *p = s ? s : ""; *p; p++)
        if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            putchar(*p);
    printf(last ? "\"" : "\", ");
}

int rn_cmd_bench(const rn_model *m, int argc, char **argv)
{
    int omp_default = 1;
#ifdef _OPENMP
    omp_default = omp_get_max_threads();
#endif
    const int big_input = (long)m->in_h * m->in_w > 64L * 64L;
    long batch = big_input ? 16 : 128, infer_batch = 0, threads = omp_default;
    long iters = 20, warmup = 3, latency_iters = 0, validate_batch = 2, validate_tries = 40,
         seed = 1;
    double peak = 0.0, tolerance = BENCH_TOL;
    const char *mode = "both", *clock_name = "wall", *save_dir = NULL;
    int json = 0, profile = 0, generic = 0, inject = 0, verbose = 0;
    rn_arg args[] = {
        {"--batch", RN_ARG_INT, &batch, 1, 65536, 0,
         "training (and default inference) batch; default 128, 16 above 64x64 inputs"},
        {"--infer-batch", RN_ARG_INT, &infer_batch, 0, 65536, 0,
         "inference batch; 0: same as --batch"},
        {"--threads", RN_ARG_INT, &threads, 1, 1024, 0,
         "OpenMP threads (default: OpenMP's default, usually all cores)"},
        {"--iters", RN_ARG_INT, &iters, 1, 100000, 0, "timed iterations per phase (median)"},
        {"--warmup", RN_ARG_INT, &warmup, 0, 100000, 0, "untimed iterations before each phase"},
        {"--latency-iters", RN_ARG_INT, &latency_iters, 0, 100000, 0,
         "timed batch-1 runs; 0: max(--iters, 10)"},
        {"--mode", RN_ARG_STRING, &mode, 0, 0, 0,
         "train, infer (with batch-1 latency) or both"},
        {"--peak", RN_ARG_FLOAT, &peak, 0, 1e9, 0,
         "measured peak GFLOP/s (bench/peak) for the fraction of peak; 0: none"},
        {"--generic", RN_ARG_FLAG, &generic, 0, 0, 0,
         "time the reference executor (generic kernels) instead of the generated code"},
        {"--validate-batch", RN_ARG_INT, &validate_batch, 1, 1024, 0,
         "images in the validation against the reference executor"},
        {"--validate-tries", RN_ARG_INT, &validate_tries, 1, 100, 0,
         "validation batches tried while only gradients fail (ReLU ties at float32 rounding; "
         "default 40: resnet110 passes on about 1 batch in 5)"},
        {"--tolerance", RN_ARG_FLOAT, &tolerance, 1e-9, 1.0, 0,
         "largest relative L2 error accepted in validation (per tensor)"},
        {"--seed", RN_ARG_INT, &seed, 0, 9.2e18, 0, "weights and data seed"},
        {"--clock", RN_ARG_STRING, &clock_name, 0, 0, 0,
         "wall (default), or cpu: the process's CPU time, all threads summed (use with "
         "--threads 1 on a loaded machine: preempted time is left out)"},
        {"--json", RN_ARG_FLAG, &json, 0, 0, 0, "print one JSON object on stdout"},
        {"--profile", RN_ARG_FLAG, &profile, 0, 0, 0,
         "after timing, run --iters more steps timing every generated function, and print "
         "milliseconds per step by kernel (stderr with --json)"},
        {"--verbose", RN_ARG_FLAG, &verbose, 0, 0, 0, "print every validation comparison"},
        {"--save-validation", RN_ARG_STRING, &save_dir, 0, 0, 0,
         "write the validation's weights, inputs and both gradients to DIR (for "
         "bench/grad_vs_f64.py)"},
        {"--inject-error", RN_ARG_FLAG, &inject, 0, 0, 0,
         "testing: corrupt one gradient before validation (must exit 1)"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("bench", args, argc, argv);
    if (rc >= 0)
        return rc;
    int do_train, do_infer;
    if (strcmp(mode, "train") == 0) {
        do_train = 1, do_infer = 0;
    } else if (strcmp(mode, "infer") == 0) {
        do_train = 0, do_infer = 1;
    } else if (strcmp(mode, "both") == 0) {
        do_train = 1, do_infer = 1;
    } else {
        rn_error("bench: --mode: expected train, infer or both, got '%s'", mode);
        return RN_EXIT_USAGE;
    }
    if (strcmp(clock_name, "cpu") == 0) {
        use_cpu_clock = 1;
    } else if (strcmp(clock_name, "wall") != 0) {
        rn_error("bench: --clock: expected wall or cpu, got '%s'", clock_name);
        return RN_EXIT_USAGE;
    }
    if (infer_batch == 0)
        infer_batch = batch;
    if (latency_iters == 0)
        latency_iters = iters > 10 ? iters : 10;
    if (m->macs_per_image == 0)
        rn_error("bench: warning: model %s reports 0 MACs per image; GFLOP/s will read 0",
                 m->name);

    /* capacity: every batch any phase or the validation uses */
    long cap = validate_batch;
    if (do_train && batch > cap)
        cap = batch;
    if (do_infer && infer_batch > cap)
        cap = infer_batch;
#ifdef _OPENMP
    omp_set_num_threads((int)threads);
#endif

    bench_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.generic = generic;
    c.threads = (int)threads;
    rc = RN_EXIT_ERROR;
    c.r = rn_run_create(m, generic ? (int)validate_batch : (int)cap, 0);
    if (c.r == NULL) {
        rn_error("bench: --batch: %ld images of %s do not fit in memory", cap, m->name);
        return RN_EXIT_ERROR;
    }
    c.r->threads = (int)threads;
    c.ref = rn_reference_create(m, generic ? (int)cap : (int)validate_batch);
    if (c.ref == NULL) {
        rn_error("bench: --batch: the reference executor for %ld images of %s does not fit in "
                 "memory", generic ? cap : validate_batch, m->name);
        goto done;
    }
    rn_sgd_config sc = rn_sgd_defaults();
    if (rn_sgd_init(&c.sgd, &sc, m, m->param_floats) != 0)
        goto done;
    c.sgd.threads = (int)threads;

    const size_t in_per = (size_t)m->in_c * (size_t)m->in_h * (size_t)m->in_w;
    c.x = rn_alloc(sizeof(float) * in_per * (size_t)cap);
    c.labels = rn_alloc(sizeof(int32_t) * (size_t)cap);
    c.logits = rn_alloc(sizeof(float) * (size_t)cap * (size_t)m->classes);
    c.dlogits = rn_alloc(sizeof(float) * (size_t)cap * (size_t)m->classes);
    rn_weights_init(m, (uint64_t)seed, c.r->params, c.r->stats);
    rn_run_params_changed(c.r);
    rn_rng g;
    rn_rng_seed(&g, (uint64_t)seed, 0x62656e63u /* "benc" */);
    draw_batch(&g, m, cap, c.x, c.labels);

    /* 1. validate; refuse to time on any failure. Only a failure confined to gradients, with
     * every forward comparison passing, gets another validation batch (up to
     * --validate-tries): a ReLU input within float32 rounding of 0 can fall on either side of
     * the kink in the two executors, which changes that element's gradient from 0 to its full
     * value; deep nets at batch 2 meet such ties on most inputs (docs/benchmarks.md). A wrong
     * backward fails on every batch. */
    bench_check v;
    int tries = 0;
    const double tv0 = rn_seconds();
    for (;;) {
        tries++;
        v = (bench_check){.tol = tolerance, .worst_what = "", .worst_name = "", .verbose = verbose};
        if (validate(&c, (int)validate_batch, inject, tries == 1 ? save_dir : NULL, &v) != 0)
            goto done;
        if (v.failures == 0)
            break;
        const int gradients_only = v.gradient_failures == v.failures;
        if (!gradients_only || tries >= validate_tries) {
            list_failures(&v);
            rn_error("bench: %s: %d of %d validation comparisons failed (worst: %s %s, "
                     "relative L2 %.3e, tolerance %.1e)%s; refusing to time a model that "
                     "computes the wrong thing", m->name, v.failures, v.checked, v.worst_what,
                     v.worst_name, v.worst, tolerance,
                     tries > 1 ? ", on every validation batch tried" : "");
            goto done;
        }
        rn_error("bench: %s: validation batch %d: %d gradient comparisons failed (worst %s, "
                 "relative L2 %.3e), every forward one passed: a ReLU tie at float32 rounding? "
                 "Validating on a new batch of %ld images", m->name, tries, v.failures,
                 v.worst_name, v.worst, validate_batch);
        draw_batch(&g, m, validate_batch, c.x, c.labels);
    }
    const double validate_s = rn_seconds() - tv0;
    if (!json)
        printf("%s: validated against the reference executor on %ld images%s: %d comparisons, "
               "worst relative L2 %.2e (%s %s; tolerance %.1e), %.2f s\n", m->name,
               validate_batch, tries > 1 ? " (a later batch: see above)" : "", v.checked,
               v.worst, v.worst_what, v.worst_name, tolerance, validate_s);

    /* 2. time */
    const double macs = (double)m->macs_per_image;
    bench_phase phases[3] = {
        {"train", (int)batch, 3.0 * 2.0 * macs * (double)batch, train_step},
        {"infer", (int)infer_batch, 2.0 * macs * (double)infer_batch, infer},
        {"latency", 1, 2.0 * macs, infer},
    };
    bench_timing tt[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    if (do_train) {
        tt[0] = time_phase(&c, &phases[0], (int)warmup, (int)iters);
        if (!isfinite(c.last_loss)) {
            rn_error("bench: %s: the loss became %f during the timed SGD steps (lr %g); the "
                     "timings are discarded", m->name, (double)c.last_loss, (double)BENCH_LR);
            goto done;
        }
    }
    if (do_infer) {
        tt[1] = time_phase(&c, &phases[1], (int)warmup, (int)iters);
        tt[2] = time_phase(&c, &phases[2], (int)warmup, (int)latency_iters);
    }

    if (profile && !generic) {
        /* a separate pass, so the timings above carry no profiling overhead */
        double *prof = rn_alloc(sizeof(double) * (size_t)(m->n_profile + 1));
        c.r->profile = prof;
        for (long i = 0; i < iters; i++) {
            if (do_train)
                train_step(&c, (int)batch);
            if (do_infer)
                infer(&c, (int)infer_batch);
        }
        c.r->profile = NULL;
        rn_profile_print(m, prof, (int)iters, (int)batch, json ? stderr : stdout);
        rn_free(prof);
    }

    const double train_ips = tt[0].ran ? batch / tt[0].median_s : NAN;
    const double infer_ips = tt[1].ran ? infer_batch / tt[1].median_s : NAN;
    const double train_gf = tt[0].ran ? 1e-9 * phases[0].flops / tt[0].median_s : NAN;
    const double infer_gf = tt[1].ran ? 1e-9 * phases[1].flops / tt[1].median_s : NAN;
    const double lat_ms = tt[2].ran ? 1e3 * tt[2].median_s : NAN;
    const int has_peak = peak > 0.0;
    const char *impl = generic ? "generic" : (m->isa ? m->isa : "?");

    if (json) {
        printf("{");
        json_str("model", m->name, 0);
        json_str("impl", impl, 0);
        printf("\"generic\": %s, \"batch\": %ld, \"infer_batch\": %ld, \"threads\": %ld, "
               "\"iters\": %ld, \"warmup\": %ld, \"latency_iters\": %ld, ",
               generic ? "true" : "false", batch, infer_batch, threads, iters, warmup,
               latency_iters);
        json_str("mode", mode, 0);
        json_str("clock", clock_name, 0);
        printf("\"macs_per_image\": %llu, ", (unsigned long long)m->macs_per_image);
        json_str("flops_convention", "FLOPs = 2 x MACs; train step = 3 x forward", 0);
        json_num("train_img_per_s", train_ips, tt[0].ran, "%.3f", 0);
        json_num("infer_img_per_s", infer_ips, tt[1].ran, "%.3f", 0);
        json_num("train_gflops", train_gf, tt[0].ran, "%.3f", 0);
        json_num("infer_gflops", infer_gf, tt[1].ran, "%.3f", 0);
        json_num("train_ms_median", 1e3 * tt[0].median_s, tt[0].ran, "%.4f", 0);
        json_num("train_ms_min", 1e3 * tt[0].min_s, tt[0].ran, "%.4f", 0);
        json_num("infer_ms_median", 1e3 * tt[1].median_s, tt[1].ran, "%.4f", 0);
        json_num("infer_ms_min", 1e3 * tt[1].min_s, tt[1].ran, "%.4f", 0);
        json_num("latency_ms_b1", lat_ms, tt[2].ran, "%.4f", 0);
        json_num("latency_ms_b1_min", 1e3 * tt[2].min_s, tt[2].ran, "%.4f", 0);
        json_num("peak_gflops", peak, has_peak, "%.3f", 0);
        json_num("train_frac_peak", train_gf / peak, has_peak && tt[0].ran, "%.4f", 0);
        json_num("infer_frac_peak", infer_gf / peak, has_peak && tt[1].ran, "%.4f", 0);
        json_num("validation_worst_rel_l2", v.worst, 1, "%.3e", 0);
        json_num("validation_tolerance", tolerance, 1, "%.1e", 0);
        printf("\"validation_batch\": %ld, \"validation_batches_tried\": %d, ", validate_batch,
               tries);
        json_num("validation_s", validate_s, 1, "%.3f", 0);
        json_num("final_loss", (double)c.last_loss, tt[0].ran, "%.5f", 1);
        printf("}\n");
    } else {
        printf("%s bench (%s kernels), %ld thread%s, %ld warm-up + %ld timed iterations, "
               "medians (min in brackets)%s\n", m->name, impl, threads, threads == 1 ? "" : "s",
               warmup, iters, use_cpu_clock ? ", process CPU time" : "");
        printf("  FLOPs = 2 x MACs (%.4g MACs per image forward); train step = 3 x forward\n",
               macs);
        if (tt[0].ran)
            printf("  train   batch %-5ld %10.2f img/s  %8.2f GFLOP/s  %10.3f ms/step [%.3f]\n",
                   batch, train_ips, train_gf, 1e3 * tt[0].median_s, 1e3 * tt[0].min_s);
        if (tt[1].ran) {
            printf("  infer   batch %-5ld %10.2f img/s  %8.2f GFLOP/s  %10.3f ms/batch [%.3f]\n",
                   infer_batch, infer_ips, infer_gf, 1e3 * tt[1].median_s, 1e3 * tt[1].min_s);
            printf("  latency batch 1     %10.3f ms (median of %ld) [%.3f]\n", lat_ms,
                   latency_iters, 1e3 * tt[2].min_s);
        }
        if (has_peak) {
            printf("  peak    %.2f GFLOP/s (given):", peak);
            if (tt[0].ran)
                printf(" train %.1f%%", 100.0 * train_gf / peak);
            if (tt[1].ran)
                printf(" infer %.1f%%", 100.0 * infer_gf / peak);
            printf("\n");
        }
    }
    rc = RN_EXIT_OK;
done:
    rn_sgd_free(&c.sgd);
    rn_free(c.x);
    rn_free(c.labels);
    rn_free(c.logits);
    rn_free(c.dlogits);
    rn_reference_destroy(c.ref);
    rn_run_destroy(c.r);
    return rc;
}
