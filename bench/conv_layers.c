/* conv_layers.c: every conv layer of one generated model (compiled in with
 * -DRN_BENCH_MODEL=<name>_model), its specialized kernels against the generic ones
 * (runtime/src/kernels_conv.c), in GFLOP/s, for forward, backward-data and backward-weights.
 *
 *   conv_layers_<model> [--batch B] [--threads T] [--iters N] [--warmup W] [--tolerance E]
 *                       [--clock wall|cpu] [--validate-only] [--tune] [--only TEXT]
 *
 * Layers that share a kernel (same shapes) are measured once and listed together. For each
 * kernel: random input, weights and output gradient (seeded); the specialized kernel (the
 * model's rn_conv_entry, model.h) and the generic one each run once and are compared as
 * relative L2 error ||spec - generic|| / ||generic||; any error above --tolerance (default
 * 1e-4) is printed and the program exits 1 before timing anything. Then each kernel runs W
 * untimed and N timed calls; the median is reported. FLOPs = 2 x MACs of the layer for each
 * direction (backward-data and backward-weights each cost one forward's MACs), x batch.
 * The summary gives, per direction, the median over kernels of generic time / specialized time
 * and the whole network's ratio (every layer counted, repeats included).
 *
 * --tune (tools/tune.sh, on a model generated with --entries all, where every conv layer has an
 * entry per algorithm that fits it): validate as above, time the specialized kernels only, and
 * print one line per kernel and direction,
 *   tune <layer signature> <fwd|bwd_data|bwd_weights> <direct|f2|f4> <median ms> <kernel>
 * the signature as the generator names it (gen/layers/conv.lua: conv3x3_s1_c16k16_h32w32).
 *
 * --only TEXT: only the kernels whose layer signature contains TEXT (--only c256k256_h14w14).
 */
#include "resnetc/args.h"
#include "resnetc/kernels.h"
#include "resnetc/model.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

extern const rn_model RN_BENCH_MODEL;
static const rn_model *M = &RN_BENCH_MODEL;

enum { FWD, BWD_DATA, BWD_WEIGHTS, DIRS };
static const char *const DIR_NAMES[DIRS] = { "forward", "backward-data", "backward-weights" };
static const char *const DIR_KEYS[DIRS] = { "fwd", "bwd_data", "bwd_weights" };

/* The algorithm a kernel's name says (gen/layers/conv.lua: _f2_, _f4_ for Winograd). */
static const char *algorithm(const char *kernel)
{
    return strstr(kernel, "_f2_") ? "f2" : strstr(kernel, "_f4_") ? "f4" : "direct";
}

typedef struct bufs {
    rn_conv_shape s;
    float *x, *w, *y, *dy, *dx, *dw, *ref;
} bufs;

/* Wall time, or with --clock cpu the process's CPU time (all threads summed): with
 * --threads 1 on a loaded machine, the compute time of a call without its preemptions. */
static int use_cpu_clock;

static double now(void)
{
    struct timespec ts;
    if (use_cpu_clock)
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    else
        timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double rel_l2(const float *a, const float *b, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

/* One direction, specialized (spec = 1) or generic, writing its output. */
static void run(rn_run *r, const rn_conv_entry *e, bufs *b, int dir, int spec)
{
    switch (dir) {
    case FWD:
        if (spec)
            e->fwd(r, b->x, b->w, b->y);
        else
            rn_conv2d_fwd(&b->s, b->x, b->w, b->y);
        break;
    case BWD_DATA:
        if (spec)
            e->bwd_data(r, b->dy, b->w, b->dx);
        else
            rn_conv2d_bwd_data(&b->s, b->dy, b->w, b->dx, 0);
        break;
    default:
        if (spec)
            e->bwd_weights(r, b->x, b->dy, b->dw);
        else
            rn_conv2d_bwd_weights(&b->s, b->x, b->dy, b->dw);
    }
}

static float *output(bufs *b, int dir) { return dir == FWD ? b->y : dir == BWD_DATA ? b->dx : b->dw; }

static size_t output_count(const rn_conv_shape *s, int dir)
{
    if (dir == FWD)
        return (size_t)s->n * s->oh * s->ow * s->k;
    if (dir == BWD_DATA)
        return (size_t)s->n * s->h * s->w * s->c;
    return (size_t)s->kh * s->kw * s->c * s->k;
}

/* Median seconds of `iters` calls after `warmup` untimed ones. */
static double time_it(rn_run *r, const rn_conv_entry *e, bufs *b, int dir, int spec, int warmup,
                      int iters)
{
    for (int i = 0; i < warmup; i++)
        run(r, e, b, dir, spec);
    double *t = rn_alloc(sizeof(double) * (size_t)iters);
    for (int i = 0; i < iters; i++) {
        const double t0 = now();
        run(r, e, b, dir, spec);
        t[i] = now() - t0;
    }
    qsort(t, (size_t)iters, sizeof(double), cmp_double);
    const double med = iters % 2 ? t[iters / 2] : 0.5 * (t[iters / 2 - 1] + t[iters / 2]);
    rn_free(t);
    return med;
}

static float *random_floats(rn_rng *g, size_t count, float scale)
{
    float *p = rn_alloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        p[i] = scale * rn_rng_normal(g);
    return p;
}

static double median(double *v, int count)
{
    if (count == 0)
        return NAN;
    qsort(v, (size_t)count, sizeof(double), cmp_double);
    return count % 2 ? v[count / 2] : 0.5 * (v[count / 2 - 1] + v[count / 2]);
}

int main(int argc, char **argv)
{
    const int big = M->in_h > 64;
    long batch = big ? 4 : 32, threads = 0, iters = 5, warmup = 1;
    double tolerance = 1e-4;
    int validate_only = 0, tune = 0;
    const char *clock_name = "wall", *only = "";
    rn_arg args[] = {
        {"--batch", RN_ARG_INT, &batch, 1, 4096, 0, "images per call (default 32, 4 above 64x64)"},
        {"--threads", RN_ARG_INT, &threads, 0, 1024, 0, "threads (default 0: OpenMP's default)"},
        {"--iters", RN_ARG_INT, &iters, 1, 100000, 0, "timed calls per kernel (median)"},
        {"--warmup", RN_ARG_INT, &warmup, 0, 100000, 0, "untimed calls first"},
        {"--tolerance", RN_ARG_FLOAT, &tolerance, 0, 1, 0, "largest relative L2 error allowed"},
        {"--validate-only", RN_ARG_FLAG, &validate_only, 0, 0, 0, "compare, time nothing"},
        {"--tune", RN_ARG_FLAG, &tune, 0, 0, 0,
         "time the specialized kernels only, one 'tune' line per kernel and direction (tools/tune.sh)"},
        {"--clock", RN_ARG_STRING, &clock_name, 0, 0, 0,
         "wall (default) or cpu (process CPU time; use with --threads 1 on a loaded machine)"},
        {"--only", RN_ARG_STRING, &only, 0, 0, 0,
         "only the kernels whose layer signature (conv3x3_s1_c16k16_h32w32) contains this text"},
        {NULL, 0, NULL, 0, 0, 0, NULL},
    };
    const int pr = rn_args_parse("conv_layers", args, argc - 1, argv + 1);
    if (pr != 0)
        return pr > 0 ? 0 : 2;
    if (strcmp(clock_name, "cpu") == 0) {
        use_cpu_clock = 1;
    } else if (strcmp(clock_name, "wall") != 0) {
        fprintf(stderr, "conv_layers: --clock: expected wall or cpu, got '%s'\n", clock_name);
        return 2;
    }
#ifdef _OPENMP
    if (threads > 0)
        omp_set_num_threads((int)threads);
    else
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    rn_run *r = rn_run_create(M, (int)batch, 0);
    if (!r)
        return 1;
    r->threads = (int)threads;

    /* distinct kernels: the first entry of each (fwd, bwd_data, bwd_weights) triple */
    int *first = rn_alloc(sizeof(int) * (size_t)(M->n_convs + 1));
    for (int i = 0; i < M->n_convs; i++) {
        first[i] = i;
        for (int j = 0; j < i; j++)
            if (!strcmp(M->convs[i].fwd_kernel, M->convs[j].fwd_kernel) &&
                !strcmp(M->convs[i].bwd_data_kernel, M->convs[j].bwd_data_kernel) &&
                !strcmp(M->convs[i].bwd_weights_kernel, M->convs[j].bwd_weights_kernel)) {
                first[i] = first[j];
                break;
            }
    }
    printf("%s: %d conv layers, batch %ld, %ld threads, ISA %s; %s\n", M->name, M->n_convs, batch,
           threads, M->isa,
           validate_only ? "validation only"
                         : use_cpu_clock ? "GFLOP/s = 2 x MACs x batch / median CPU seconds"
                                         : "GFLOP/s = 2 x MACs x batch / median seconds");
    if (!validate_only && !tune)
        printf("%-34s %6s | %9s %9s %6s | %9s %9s %6s | %9s %9s %6s\n", "kernel (layers)", "MMAC",
               "fwd", "generic", "ratio", "bwd-data", "generic", "ratio", "bwd-wts", "generic",
               "ratio");

    double *ratios[DIRS], spec_total[DIRS] = { 0 }, gen_total[DIRS] = { 0 }, worst = 0.0;
    for (int d = 0; d < DIRS; d++)
        ratios[d] = rn_alloc(sizeof(double) * (size_t)(M->n_convs + 1));
    int kernels = 0, failures = 0;
    rn_rng g;
    rn_rng_seed(&g, 1, 3);
    for (int i = 0; i < M->n_convs; i++) {
        if (first[i] != i)
            continue;
        const rn_conv_entry *e = &M->convs[i];
        const rn_layer_info *L = &M->layers[e->layer];
        const rn_act_info *in = &M->acts[L->in[0]], *out = &M->acts[L->out];
        bufs b = { .s = { .n = (int)batch, .h = in->h, .w = in->w, .c = in->c, .k = L->k,
                          .kh = L->kh, .kw = L->kw, .stride = L->stride, .pad = L->pad } };
        if (rn_conv_shape_resolve(&b.s) != 0 || b.s.oh != out->h || b.s.ow != out->w) {
            fprintf(stderr, "conv_layers: %s: the layer table's shapes do not resolve\n", L->name);
            return 1;
        }
        /* the layer's signature, as the generator names it */
        char sig[96];
        const int len = snprintf(sig, sizeof sig, "conv%dx%d_s%d_c%dk%d_h%dw%d", b.s.kh, b.s.kw, b.s.stride,
                                 b.s.c, b.s.k, b.s.h, b.s.w);
        if (b.s.pad != b.s.kh / 2)
            snprintf(sig + len, sizeof sig - (size_t)len, "_p%d", b.s.pad);
        if (!strstr(sig, only))
            continue;
        const size_t nx = (size_t)batch * in->h * in->w * in->c, ny = output_count(&b.s, FWD);
        const size_t nw = output_count(&b.s, BWD_WEIGHTS);
        b.x = random_floats(&g, nx, 1.0f);
        b.w = random_floats(&g, nw, (float)sqrt(2.0 / ((double)L->kh * L->kw * in->c)));
        b.dy = random_floats(&g, ny, 1.0f);
        b.y = rn_alloc(sizeof(float) * ny);
        b.dx = rn_alloc(sizeof(float) * nx);
        b.dw = rn_alloc(sizeof(float) * nw);
        b.ref = rn_alloc(sizeof(float) * (nx > ny ? (nx > nw ? nx : nw) : (ny > nw ? ny : nw)));
        /* the layers using this kernel */
        char layers[64];
        int uses = 0;
        for (int j = i; j < M->n_convs; j++)
            uses += first[j] == i;
        snprintf(layers, sizeof layers, "%s%s", L->name, uses > 1 ? " +" : "");
        if (uses > 1)
            snprintf(layers + strlen(layers), sizeof layers - strlen(layers), "%d", uses - 1);
        const double macs = (double)b.s.oh * b.s.ow * b.s.k * b.s.c * b.s.kh * b.s.kw;
        double gf[DIRS][2];
        for (int d = 0; d < DIRS; d++) {
            const size_t count = output_count(&b.s, d);
            run(r, e, &b, d, 0);
            memcpy(b.ref, output(&b, d), sizeof(float) * count);
            memset(output(&b, d), 0xff, sizeof(float) * count);   /* NaN: every output must be written */
            run(r, e, &b, d, 1);
            const double err = rel_l2(output(&b, d), b.ref, count);
            if (!(err <= tolerance)) {
                fprintf(stderr, "conv_layers: %s %s (%s): relative L2 error %.3e against the generic "
                        "kernel, above the tolerance %.1e\n", L->name, DIR_NAMES[d],
                        d == FWD ? e->fwd_kernel : d == BWD_DATA ? e->bwd_data_kernel
                                                             : e->bwd_weights_kernel, err, tolerance);
                failures++;
            }
            if (err > worst || isnan(err))
                worst = err;
            if (validate_only || failures)
                continue;
            const double ts = time_it(r, e, &b, d, 1, (int)warmup, (int)iters);
            const char *kernel = d == FWD ? e->fwd_kernel : d == BWD_DATA ? e->bwd_data_kernel : e->bwd_weights_kernel;
            if (tune) {
                printf("tune %s %s %s %.4f %s\n", sig, DIR_KEYS[d], algorithm(kernel), 1e3 * ts, kernel);
                fflush(stdout);
                continue;
            }
            const double tg = time_it(r, e, &b, d, 0, (int)warmup, (int)iters);
            gf[d][0] = 2e-9 * macs * batch / ts;
            gf[d][1] = 2e-9 * macs * batch / tg;
            ratios[d][kernels] = tg / ts;
            spec_total[d] += uses * ts;
            gen_total[d] += uses * tg;
        }
        if (!validate_only && !tune && !failures)
            printf("%-34s %6.1f | %9.2f %9.2f %5.2fx | %9.2f %9.2f %5.2fx | %9.2f %9.2f %5.2fx\n",
                   layers, macs * 1e-6, gf[0][0], gf[0][1], gf[0][0] / gf[0][1], gf[1][0], gf[1][1],
                   gf[1][0] / gf[1][1], gf[2][0], gf[2][1], gf[2][0] / gf[2][1]);
        kernels++;
        rn_free(b.x), rn_free(b.w), rn_free(b.dy), rn_free(b.y), rn_free(b.dx), rn_free(b.dw);
        rn_free(b.ref);
    }
    if (kernels == 0) {
        fprintf(stderr, "conv_layers: --only: no conv layer's signature contains '%s'\n", only);
        return 2;
    }
    printf("%s: %d distinct conv kernels x 3 directions validated against the generic kernels: "
           "worst relative L2 error %.3e (tolerance %.1e)%s\n", M->name, kernels, worst, tolerance,
           failures ? ": FAILED, nothing timed" : "");
    if (!validate_only && !tune && !failures)
        for (int d = 0; d < DIRS; d++)
            printf("%-17s specialized / generic speed: median over kernels %.2fx, whole network "
                   "(every layer) %.2fx\n", DIR_NAMES[d], median(ratios[d], kernels),
                   gen_total[d] / spec_total[d]);
    for (int d = 0; d < DIRS; d++)
        rn_free(ratios[d]);
    rn_free(first);
    rn_run_destroy(r);
    return failures ? 1 : 0;
}
