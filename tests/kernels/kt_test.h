/* kt_test.h: helpers for the generic-kernel tests: a seeded random generator, failure
 * reporting that names the kernel, the case and the error, normalized error measures, and the
 * finite-difference gradient checker. Header-only, one include per test program.
 *
 * FD method: the test defines a scalar functional f of a kernel's output (a random linear
 * functional sum_i r_i * y_i summed in double, or the loss itself), evaluated with the float
 * kernels. kt_fd_check perturbs each element p[i] of an input by +-h, takes the central
 * difference (f(p+h) - f(p-h)) / (actual 2h after float rounding) and compares it with the
 * analytic gradient the backward kernel produced for dy = r. The error reported is
 * max_i |fd_i - grad_i| / max_i |grad_i|. The FD evaluations run on one OpenMP thread (they
 * are thousands of tiny calls; threading is covered by the determinism checks).
 */
#ifndef KT_TEST_H
#define KT_TEST_H

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int kt_failures;
static int kt_checks;
static double kt_worst_fd;          /* largest FD error seen, for the summary line */
static char kt_worst_fd_name[160];

/* xorshift64*: deterministic across platforms. */
static uint64_t kt_state = 0x9e3779b97f4a7c15ull;
static inline void kt_seed(uint64_t s) { kt_state = s ? s : 1; }
static inline double kt_uniform(double lo, double hi)
{
    kt_state ^= kt_state >> 12;
    kt_state ^= kt_state << 25;
    kt_state ^= kt_state >> 27;
    uint64_t r = kt_state * 0x2545f4914f6cdd1dull;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}
static inline void kt_fill(float *p, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)kt_uniform(lo, hi);
}

static inline float *kt_floats(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}
static inline double *kt_doubles(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof(double));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* Records one check: err must be finite and <= tol. */
static inline void kt_check(const char *kernel, const char *kcase, double err, double tol)
{
    kt_checks++;
    if (!(err <= tol)) {
        fprintf(stderr, "FAIL %s [%s]: max error %.3g > tolerance %.3g\n", kernel, kcase, err,
                tol);
        kt_failures++;
    }
}

/* A boolean check with a message. */
static inline void kt_require(int ok, const char *kernel, const char *kcase, const char *what)
{
    kt_checks++;
    if (!ok) {
        fprintf(stderr, "FAIL %s [%s]: %s\n", kernel, kcase, what);
        kt_failures++;
    }
}

/* max |a - ref| / max |ref| (max |ref| floored at 1e-30). */
static inline double kt_err(const float *a, const double *ref, size_t n)
{
    double m = 0.0, d = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(ref[i]) > m)
            m = fabs(ref[i]);
        double e = fabs((double)a[i] - ref[i]);
        if (!(e <= d))
            d = e; /* NaN propagates */
    }
    return d / (m > 1e-30 ? m : 1e-30);
}

/* Same, both float. */
static inline double kt_err_ff(const float *a, const float *b, size_t n)
{
    double m = 0.0, d = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabs((double)b[i]) > m)
            m = fabs((double)b[i]);
        double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= d))
            d = e;
    }
    return d / (m > 1e-30 ? m : 1e-30);
}

/* Number of elements that differ bitwise. */
static inline size_t kt_bitdiff(const float *a, const float *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0)
            k++;
    return k;
}

/* sum_i r_i * y_i in double. */
static inline double kt_dot(const double *r, const float *y, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += r[i] * (double)y[i];
    return s;
}

/* Random functional weights, also as float (the dy handed to a backward kernel). */
static inline void kt_functional(double *r, float *rf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rf[i] = (float)kt_uniform(-1.0, 1.0);
        r[i] = (double)rf[i];
    }
}

typedef double (*kt_fn)(void *ctx);

/* Central-difference check of grad (the analytic d f / d p, n elements) with step h; returns
 * the normalized max error and records it under kernel/kcase with tolerance tol. Also fails
 * if the analytic gradient is identically zero (a vacuous check). */
static inline double kt_fd_check(const char *kernel, const char *kcase, kt_fn f, void *ctx,
                                 float *p, const float *grad, size_t n, float h, double tol)
{
    double maxg = 0.0, maxd = 0.0;
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    for (size_t i = 0; i < n; i++) {
        const float save = p[i];
        const float up = save + h, dn = save - h;
        p[i] = up;
        const double fu = f(ctx);
        p[i] = dn;
        const double fd = f(ctx);
        p[i] = save;
        const double num = (fu - fd) / ((double)up - (double)dn);
        if (fabs((double)grad[i]) > maxg)
            maxg = fabs((double)grad[i]);
        const double e = fabs(num - (double)grad[i]);
        if (!(e <= maxd))
            maxd = e;
    }
    omp_set_num_threads(threads);
    const double err = maxd / (maxg > 1e-30 ? maxg : 1e-30);
    char name[160];
    snprintf(name, sizeof name, "%s [%s]", kernel, kcase);
    printf("  fd %-44s n=%-5zu max|grad|=%.3g  err=%.3g\n", name, n, maxg, err);
    if (err > kt_worst_fd || isnan(err)) {
        kt_worst_fd = err;
        snprintf(kt_worst_fd_name, sizeof kt_worst_fd_name, "%s", name);
    }
    kt_require(maxg > 0.0, kernel, kcase, "analytic gradient is all zero");
    kt_check(kernel, kcase, err, tol);
    return err;
}

/* Ends a test program: summary line, exit status. */
static inline int kt_finish(const char *prog)
{
    if (kt_worst_fd_name[0])
        printf("%s: largest FD error %.3g (%s)\n", prog, kt_worst_fd, kt_worst_fd_name);
    if (kt_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", prog, kt_failures, kt_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", prog, kt_checks);
    return 0;
}

#endif /* KT_TEST_H */
