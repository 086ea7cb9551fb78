/* peak.c: the measured single-precision FMA peak of this machine, the denominator of
 * "fraction of peak" in the benchmarks (docs/benchmarks.md).
 *
 *   peak [--threads N] [--repeats R] [--seconds S] [--isa avx2|avx512] [--json]
 *
 * Two register-only loops, no loads or stores in either:
 *   AVX2     12 independent ymm accumulator chains, each step one vfmadd231ps per chain
 *            (8 lanes x 2 flops = 16 flops);
 *   AVX-512  24 independent zmm accumulator chains (of the 32 registers), each step one
 *            vfmadd231ps per chain (16 lanes x 2 flops = 32 flops).
 * Twelve and twenty-four chains cover the FMA latency (4 cycles) times the two FMA ports of
 * current x86 cores with margin. Each is timed on 1 thread and on N threads (OpenMP; default:
 * all that OpenMP would start) running together: each thread times R chunks of about S
 * seconds (2 ms) itself, its rate is the median, the N-thread peak the sum of the threads'
 * rates (see measure()).
 *
 * Both are reported; the headline (the text's last line and the JSON's unprefixed fields,
 * which the scripts read as "the peak") is the peak of the ISA in use, chosen by --isa:
 * default avx512 when the CPU has AVX-512F (checked at run time), else avx2. The AVX-512 loop
 * is compiled for AVX-512F by a target attribute and only called on a CPU that has it, so
 * the binary runs on AVX2-only CPUs and says there that AVX-512 is absent.
 *
 * Reports GFLOP/s = 1e-9 x flops / seconds. It is an upper bound no real kernel reaches
 * (no loads, no stores, no dependency on data); it is not the vendor's nominal peak (turbo
 * and shared-core effects are whatever they were during the run).
 * Not provided: SSE-only or non-x86 peaks; on those machines (and with --isa avx512 on a CPU
 * without AVX-512F) it says so and exits 77 (CTest's skip code).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define SKIP_EXIT 77

enum { K_AVX2, K_AVX512, N_KERNELS }; /* the peaks measured; --isa names one */

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One peak loop: `steps` iterations of `chains` independent FMAs of `lanes` floats each;
 * returns a value that depends on every chain so the compiler cannot drop any. a*acc + b
 * with |a| < 1 stays bounded and normal. */
typedef float (*fma_loop_fn)(long steps, float seed);

struct kernel {
    const char *name;  /* --isa and JSON prefix: "avx2", "avx512" */
    const char *label; /* text: "AVX2", "AVX-512" */
    const char *reg;   /* "ymm", "zmm" */
    int chains, lanes;
    fma_loop_fn loop;
};

#define AVX2_CHAINS 12
#define AVX512_CHAINS 24

static float __attribute__((noinline)) fma_loop_avx2(long steps, float seed)
{
    const __m256 a = _mm256_set1_ps(0.9999999f), b = _mm256_set1_ps(1e-3f);
    __m256 c0 = _mm256_set1_ps(seed), c1 = _mm256_set1_ps(seed + 1), c2 = _mm256_set1_ps(seed + 2);
    __m256 c3 = _mm256_set1_ps(seed + 3), c4 = _mm256_set1_ps(seed + 4), c5 = _mm256_set1_ps(seed + 5);
    __m256 c6 = _mm256_set1_ps(seed + 6), c7 = _mm256_set1_ps(seed + 7), c8 = _mm256_set1_ps(seed + 8);
    __m256 c9 = _mm256_set1_ps(seed + 9), c10 = _mm256_set1_ps(seed + 10), c11 = _mm256_set1_ps(seed + 11);
    for (long i = 0; i < steps; i++) {
        c0 = _mm256_fmadd_ps(c0, a, b);
        c1 = _mm256_fmadd_ps(c1, a, b);
        c2 = _mm256_fmadd_ps(c2, a, b);
        c3 = _mm256_fmadd_ps(c3, a, b);
        c4 = _mm256_fmadd_ps(c4, a, b);
        c5 = _mm256_fmadd_ps(c5, a, b);
        c6 = _mm256_fmadd_ps(c6, a, b);
        c7 = _mm256_fmadd_ps(c7, a, b);
        c8 = _mm256_fmadd_ps(c8, a, b);
        c9 = _mm256_fmadd_ps(c9, a, b);
        c10 = _mm256_fmadd_ps(c10, a, b);
        c11 = _mm256_fmadd_ps(c11, a, b);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

/* The AVX-512 loop: 24 zmm chains plus a and b, 26 of the 32 registers, so nothing spills.
 * Compiled for AVX-512F by the target attribute (the rest of the file is AVX2); main() calls
 * it only when __builtin_cpu_supports("avx512f"). */
static float __attribute__((noinline, target("avx512f"))) fma_loop_avx512(long steps, float seed)
{
    const __m512 a = _mm512_set1_ps(0.9999999f), b = _mm512_set1_ps(1e-3f);
    __m512 c0 = _mm512_set1_ps(seed), c1 = _mm512_set1_ps(seed + 1), c2 = _mm512_set1_ps(seed + 2);
    __m512 c3 = _mm512_set1_ps(seed + 3), c4 = _mm512_set1_ps(seed + 4), c5 = _mm512_set1_ps(seed + 5);
    __m512 c6 = _mm512_set1_ps(seed + 6), c7 = _mm512_set1_ps(seed + 7), c8 = _mm512_set1_ps(seed + 8);
    __m512 c9 = _mm512_set1_ps(seed + 9), c10 = _mm512_set1_ps(seed + 10), c11 = _mm512_set1_ps(seed + 11);
    __m512 c12 = _mm512_set1_ps(seed + 12), c13 = _mm512_set1_ps(seed + 13), c14 = _mm512_set1_ps(seed + 14);
    __m512 c15 = _mm512_set1_ps(seed + 15), c16 = _mm512_set1_ps(seed + 16), c17 = _mm512_set1_ps(seed + 17);
    __m512 c18 = _mm512_set1_ps(seed + 18), c19 = _mm512_set1_ps(seed + 19), c20 = _mm512_set1_ps(seed + 20);
    __m512 c21 = _mm512_set1_ps(seed + 21), c22 = _mm512_set1_ps(seed + 22), c23 = _mm512_set1_ps(seed + 23);
    for (long i = 0; i < steps; i++) {
        c0 = _mm512_fmadd_ps(c0, a, b);
        c1 = _mm512_fmadd_ps(c1, a, b);
        c2 = _mm512_fmadd_ps(c2, a, b);
        c3 = _mm512_fmadd_ps(c3, a, b);
        c4 = _mm512_fmadd_ps(c4, a, b);
        c5 = _mm512_fmadd_ps(c5, a, b);
        c6 = _mm512_fmadd_ps(c6, a, b);
        c7 = _mm512_fmadd_ps(c7, a, b);
        c8 = _mm512_fmadd_ps(c8, a, b);
        c9 = _mm512_fmadd_ps(c9, a, b);
        c10 = _mm512_fmadd_ps(c10, a, b);
        c11 = _mm512_fmadd_ps(c11, a, b);
        c12 = _mm512_fmadd_ps(c12, a, b);
        c13 = _mm512_fmadd_ps(c13, a, b);
        c14 = _mm512_fmadd_ps(c14, a, b);
        c15 = _mm512_fmadd_ps(c15, a, b);
        c16 = _mm512_fmadd_ps(c16, a, b);
        c17 = _mm512_fmadd_ps(c17, a, b);
        c18 = _mm512_fmadd_ps(c18, a, b);
        c19 = _mm512_fmadd_ps(c19, a, b);
        c20 = _mm512_fmadd_ps(c20, a, b);
        c21 = _mm512_fmadd_ps(c21, a, b);
        c22 = _mm512_fmadd_ps(c22, a, b);
        c23 = _mm512_fmadd_ps(c23, a, b);
    }
    __m512 s0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                              _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    __m512 s1 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
                              _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15)));
    __m512 s2 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c16, c17), _mm512_add_ps(c18, c19)),
                              _mm512_add_ps(_mm512_add_ps(c20, c21), _mm512_add_ps(c22, c23)));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), s2));
}

static const struct kernel kernels[N_KERNELS] = {
    {"avx2", "AVX2", "ymm", AVX2_CHAINS, 8, fma_loop_avx2},
    {"avx512", "AVX-512", "zmm", AVX512_CHAINS, 16, fma_loop_avx512},
};
/* Seconds of one call of loop(steps) on the calling thread. */
static double time_chunk(fma_loop_fn loop, long steps, float seed)
{
    double t0 = now();
    volatile float keep = loop(steps, seed); /* the result is used: no loop is dropped */
    (void)keep;
    return now() - t0;
}

/* Each of `threads` threads runs `repeats` chunks of about `seconds` back to back, all in one
 * parallel region (so the threads run at the same time and share the chip's clock and power
 * as a real kernel's threads do), and times each chunk itself. A thread's rate is the median
 * over its chunks; the N-thread peak is the sum of the threads' rates, the best the sum of
 * their fastest chunks. Short chunks (2 ms by default) are what makes this a measure of the
 * cores rather than of the share of them this process gets: a chunk the scheduler or the
 * hypervisor interrupts is an outlier the median drops, where a long timed region would
 * include every interruption (on this workspace's shared 2-vCPU VM, 0.2 s regions read about
 * half the FMA rate that uninterrupted 2 ms chunks show; docs/benchmarks.md). */
static double measure(const struct kernel *k, int threads, int repeats, double seconds,
                      double *best)
{
    const double flops_per_step = (double)k->chains * (double)k->lanes * 2.0;
    long steps = 1L << 14;
    for (;;) { /* calibrate: the fastest of a few tries, as later chunks are timed alone */
        double t = 1e30;
        for (int i = 0; i < 5; i++) {
            double ti = time_chunk(k->loop, steps, 0.0f);
            if (ti < t)
                t = ti;
        }
        if (t >= 2e-4 || steps > (1L << 40)) {
            steps = (long)((double)steps * seconds / (t > 1e-9 ? t : 1e-9));
            if (steps < 1)
                steps = 1;
            break;
        }
        steps *= 4;
    }
    double *rate = malloc(sizeof(double) * (size_t)threads * (size_t)repeats);
    if (!rate) {
        fprintf(stderr, "peak: out of memory\n");
        exit(1);
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
#ifdef _OPENMP
        const int tid = omp_get_thread_num();
#else
        const int tid = 0;
#endif
        double *mine = rate + (size_t)tid * (size_t)repeats;
        time_chunk(k->loop, steps, (float)tid); /* warm-up: clocks */
        for (int i = 0; i < repeats; i++)
            mine[i] = 1e-9 * flops_per_step * (double)steps / time_chunk(k->loop, steps, (float)tid);
    }
    double med = 0.0;
    *best = 0.0;
    for (int t = 0; t < threads; t++) {
        double *mine = rate + (size_t)t * (size_t)repeats;
        med += median(mine, repeats);
        *best += mine[repeats - 1]; /* sorted by median() */
    }
    free(rate);
    return med;
}
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: peak [--threads N] [--repeats R] [--seconds S] [--isa avx2|avx512] [--json]\n"
               "  measured AVX2 and AVX-512 FMA peaks (GFLOP/s, float32) on 1 and on N threads\n"
               "  --threads N   threads of the second measurement (default: OpenMP's default)\n"
               "  --repeats R   timed chunks per thread, the median is reported (default 101)\n"
               "  --seconds S   length of one chunk in seconds (default 0.002)\n"
               "  --isa I       the ISA in use, whose peak is the headline (the JSON's unprefixed\n"
               "                fields): avx2 or avx512 (default: avx512 if the CPU has AVX-512F)\n"
               "  --json        one JSON object on stdout instead of text\n");
}

static int parse_long(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || text[0] == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "peak: %s: expected an integer in [%ld, %ld], got '%s'\n", flag, lo, hi,
                text ? text : "");
        return -1;
    }
    *out = v;
    return 0;
}

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
struct result {
    int ran;
    double g1, b1, gn, bn; /* 1 and N threads: median-based rate and best */
};

static void json_kernel(const struct kernel *k, const struct result *r)
{
    printf(", \"%s_chains\": %d", k->name, k->chains);
    if (r->ran)
        printf(", \"%s_gflops_1\": %.2f, \"%s_gflops_1_best\": %.2f, \"%s_gflops_n\": %.2f, "
               "\"%s_gflops_n_best\": %.2f",
               k->name, r->g1, k->name, r->b1, k->name, r->gn, k->name, r->bn);
    else
        printf(", \"%s_gflops_1\": null, \"%s_gflops_1_best\": null, \"%s_gflops_n\": null, "
               "\"%s_gflops_n_best\": null",
               k->name, k->name, k->name, k->name);
}
#endif

int main(int argc, char **argv)
{
    long threads = 0, repeats = 101;
    double seconds = 0.002;
    int json = 0;
    int isa = -1; /* index into kernels[]; -1: by the CPU */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_long(a, v, 1, 1024, &threads) != 0)
                return 2;
            i++;
        } else if (strcmp(a, "--repeats") == 0) {
            if (parse_long(a, v, 1, 1000, &repeats) != 0)
                return 2;
            i++;
        } else if (strcmp(a, "--isa") == 0) {
            if (v && strcmp(v, "avx2") == 0)
                isa = K_AVX2;
            else if (v && strcmp(v, "avx512") == 0)
                isa = K_AVX512;
            else {
                fprintf(stderr, "peak: --isa: expected avx2 or avx512, got '%s'\n", v ? v : "");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--seconds") == 0) {
            char *end = NULL;
            seconds = v ? strtod(v, &end) : 0.0;
            if (!v || v[0] == '\0' || *end != '\0' || !(seconds >= 0.0005 && seconds <= 60.0)) {
                fprintf(stderr, "peak: --seconds: expected a number in [0.0005, 60], got '%s'\n",
                        v ? v : "");
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "peak: unknown flag '%s' (try --help)\n", a);
            return 2;
        }
    }
#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "peak: this CPU lacks AVX2 or FMA; the AVX2 FMA peak is not measurable "
                        "here\n");
        return SKIP_EXIT;
    }
    const int has_avx512 = __builtin_cpu_supports("avx512f");
    if (isa < 0)
        isa = has_avx512 ? K_AVX512 : K_AVX2;
    if (isa == K_AVX512 && !has_avx512) {
        fprintf(stderr, "peak: --isa avx512: this CPU lacks AVX-512F; the AVX-512 FMA peak is not "
                        "measurable here\n");
        return SKIP_EXIT;
    }
    if (threads == 0) {
#ifdef _OPENMP
        threads = omp_get_max_threads();
#else
        threads = 1;
#endif
    }
    struct result res[N_KERNELS] = {{0, 0.0, 0.0, 0.0, 0.0}};
    for (int k = 0; k < N_KERNELS; k++) {
        if (k == K_AVX512 && !has_avx512)
            continue; /* never call the AVX-512 loop on a CPU without it */
        struct result *r = &res[k];
        r->g1 = measure(&kernels[k], 1, (int)repeats, seconds, &r->b1);
        r->gn = threads == 1 ? r->g1
                             : measure(&kernels[k], (int)threads, (int)repeats, seconds, &r->bn);
        if (threads == 1)
            r->bn = r->b1;
        r->ran = 1;
    }
    const struct kernel *hk = &kernels[isa];
    const struct result *h = &res[isa];
    if (json) {
        /* the unprefixed fields are the headline (the ISA in use), as before --isa existed */
        printf("{\"isa\": \"%s-fma\", \"chains\": %d, \"repeats\": %ld, \"seconds\": %g, "
               "\"gflops_1\": %.2f, \"gflops_1_best\": %.2f, \"threads\": %ld, "
               "\"gflops_n\": %.2f, \"gflops_n_best\": %.2f, \"isa_in_use\": \"%s\", "
               "\"avx512_supported\": %s",
               hk->name, hk->chains, repeats, seconds, h->g1, h->b1, threads, h->gn, h->bn,
               hk->name, has_avx512 ? "true" : "false");
        for (int k = 0; k < N_KERNELS; k++)
            json_kernel(&kernels[k], &res[k]);
        printf("}\n");
    } else {
        printf("FMA peak (float32; per thread the median of %ld chunks of %g s, summed; best in "
               "brackets):\n",
               repeats, seconds);
        for (int k = 0; k < N_KERNELS; k++) {
            const struct kernel *kk = &kernels[k];
            const struct result *r = &res[k];
            if (!r->ran) {
                printf("  %s: absent (this CPU lacks AVX-512F; not measured)\n", kk->label);
                continue;
            }
            printf("  %s, %d %s chains:\n    %4d thread  %9.2f GFLOP/s [%.2f]\n"
                   "    %4ld thread%s %9.2f GFLOP/s [%.2f]\n",
                   kk->label, kk->chains, kk->reg, 1, r->g1, r->b1, threads,
                   threads == 1 ? " " : "s", r->gn, r->bn);
        }
        printf("the peak of the ISA in use (%s; --isa): %.2f GFLOP/s on %ld thread%s [%.2f]\n",
               hk->name, h->gn, threads, threads == 1 ? "" : "s", h->bn);
    }
    return 0;
#else
    (void)threads;
    (void)repeats;
    (void)seconds;
    (void)json;
    (void)isa;
    fprintf(stderr, "peak: built without AVX2+FMA for x86-64 (this is not an x86-64 build, or it "
                    "was compiled without -mavx2 -mfma); no peak to measure\n");
    return SKIP_EXIT;
#endif
}
