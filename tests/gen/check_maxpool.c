/* check_maxpool.c: the generated max-pooling kernels (tests/gen/maxpool_kernels.lua renders
 * them from gen/layers/maxpool.lua and its templates) against the runtime's reference
 * rn_maxpool_fwd/bwd (kernels_pool.c), on inputs where the window rule decides the result:
 * values on a coarse grid (ties in most windows), NaNs (sparse, and dense enough that windows
 * hold two or more), +-inf, and an image of -inf with a few NaNs (windows with no finite
 * element). Both follow one rule: a NaN propagates and the first maximal element in scan
 * order wins, which also decides where the backward sends each window's gradient.
 *
 * The reference is first checked against the rule written out here (naive_pool). The
 * generated forward must be bit-identical to it (NaN where it has NaN), the backward too
 * (the same additions in the same order); the accumulating backward within 1e-6 (it adds
 * each gradient into dx at once, the reference adds an image's sum). Two threads.
 * Built once per ISA (-DMAXPOOL_ISA, -DMAXPOOL_CPU_FEATURES); exit 77 on a CPU without it.
 */
#include "maxpool_cases.h"
#include "resnetc/kernels.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { N = 3, THREADS = 2 };

/* Image 0: a grid of quarter steps with 10% NaN and some infinities; image 1: 45% NaN; image
 * 2: -inf with 5% NaN. */
static void fill_input(rn_rng *g, float *x, size_t img)
{
    for (size_t i = 0; i < N * img; i++) {
        const int b = (int)(i / img);
        const float u = rn_rng_uniform(g);
        const float grid = floorf(rn_rng_normal(g) * 4.0f) / 4.0f;
        if (b == 0)
            x[i] = u < 0.10f ? NAN : u < 0.13f ? INFINITY : u < 0.16f ? -INFINITY : grid;
        else if (b == 1)
            x[i] = u < 0.45f ? NAN : grid;
        else
            x[i] = u < 0.05f ? NAN : -INFINITY;
    }
}

static int same_bits(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* The first difference between got and want (count floats of NHWC images of h x w x c), or
 * 0. tol 0: bit-identical. */
static int compare(const char *what, const gen_maxpool_case *k, const float *got, const float *want,
                   size_t count, int h, int w, double tol)
{
    for (size_t i = 0; i < count; i++) {
        const double err = fabs((double)got[i] - want[i]), scale = fmax(1.0, fabs(want[i]));
        const int ok = tol == 0.0 ? same_bits(got[i], want[i]) : err <= tol * scale;
        if (!ok) {
            const size_t c = i % (size_t)k->c, pix = i / (size_t)k->c;
            printf("FAIL  %-8s %dx%d/%d pad %d on %dx%dx%d: image %zu, (%zu, %zu) channel %zu: "
                   "%g, expected %g\n", what, k->kh, k->kw, k->stride, k->pad, k->c, k->h,
                   k->w, pix / ((size_t)h * w), pix / w % h, pix % w, c, got[i], want[i]);
            return 1;
        }
    }
    return 0;
}

/* The rule written out, for y and the plain backward's dx: each window's element is its
 * first NaN, else the first element equal to its largest value. */
static void naive_pool(const rn_conv_shape *s, const float *x, const float *dy, float *y, float *dx)
{
    const int C = s->c;
    memset(dx, 0, (size_t)s->n * s->h * s->w * C * sizeof(float));
    for (int b = 0; b < s->n; b++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++)
                for (int c = 0; c < C; c++) {
                    size_t pick = (size_t)-1, first_nan = (size_t)-1;
                    float top = -INFINITY;
                    for (int pass = 0; pass < 2; pass++)   /* the largest value, then its first */
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                const int iy = oy * s->stride - s->pad + i;
                                const int ix = ox * s->stride - s->pad + j;
                                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                    continue;
                                const size_t at = (((size_t)b * s->h + iy) * s->w + ix) * C + c;
                                if (pass == 0 && isnan(x[at]) && first_nan == (size_t)-1)
                                    first_nan = at;
                                if (pass == 0 && x[at] > top)
                                    top = x[at];
                                if (pass == 1 && pick == (size_t)-1 && x[at] == top)
                                    pick = at;
                            }
                    if (first_nan != (size_t)-1)
                        pick = first_nan;
                    const size_t o = (((size_t)b * s->oh + oy) * s->ow + ox) * C + c;
                    y[o] = x[pick];
                    dx[pick] += dy[o];
                }
}

static int check_case(const gen_maxpool_case *k, rn_rng *g)
{
    rn_conv_shape s = { .n = N, .h = k->h, .w = k->w, .c = k->c, .k = k->c, .kh = k->kh,
                        .kw = k->kw, .stride = k->stride, .pad = k->pad };
    if (rn_conv_shape_resolve(&s) != 0) {
        fprintf(stderr, "check_maxpool: bad case %dx%dx%d\n", k->c, k->h, k->w);
        return 1;
    }
    const size_t img = (size_t)k->h * k->w * k->c, out = (size_t)N * s.oh * s.ow * k->c;
    float *x = rn_alloc(N * img * sizeof(float)), *dy = rn_alloc(out * sizeof(float));
    float *y = rn_alloc(out * sizeof(float)), *y_ref = rn_alloc(out * sizeof(float));
    float *dx = rn_alloc(N * img * sizeof(float)), *dx_ref = rn_alloc(N * img * sizeof(float));
    fill_input(g, x, img);
    for (size_t i = 0; i < out; i++)
        dy[i] = rn_rng_normal(g);
    int fail = 0;

    /* the reference itself against the rule written out */
    naive_pool(&s, x, dy, y, dx);
    rn_maxpool_fwd(&s, x, y_ref);
    rn_maxpool_bwd(&s, x, dy, dx_ref, 0);
    fail |= compare("ref fwd", k, y_ref, y, out, s.oh, s.ow, 0.0);
    fail |= compare("ref bwd", k, dx_ref, dx, N * img, k->h, k->w, 0.0);

    k->fwd(N, x, y, THREADS);
    fail |= compare("forward", k, y, y_ref, out, s.oh, s.ow, 0.0);
    for (size_t i = 0; i < N * img; i++)
        dx[i] = NAN;   /* the plain backward writes every element */
    k->bwd(N, x, dy, dx, THREADS);
    fail |= compare("backward", k, dx, dx_ref, N * img, k->h, k->w, 0.0);

    for (size_t i = 0; i < N * img; i++)
        dx[i] = dx_ref[i] = rn_rng_normal(g);
    k->bwd_acc(N, x, dy, dx, THREADS);
    rn_maxpool_bwd(&s, x, dy, dx_ref, 1);
    fail |= compare("bwd acc", k, dx, dx_ref, N * img, k->h, k->w, 1e-6);

    if (!fail)
        printf("ok    %dx%d/%d pad %d on %dx%dx%d\n", k->kh, k->kw, k->stride, k->pad, k->c, k->h,
               k->w);
    rn_free(x);
    rn_free(dy);
    rn_free(y);
    rn_free(y_ref);
    rn_free(dx);
    rn_free(dx_ref);
    return fail;
}

int main(void)
{
    char missing[128];
    if (!rn_cpu_supports(MAXPOOL_CPU_FEATURES, missing, sizeof missing)) {
        fprintf(stderr, "check_maxpool: SKIP: this CPU lacks %s for the %s kernels\n", missing,
                MAXPOOL_ISA);
        return 77;
    }
    rn_rng g;
    rn_rng_seed(&g, 19, 3);
    int failures = 0;
    for (int i = 0; i < gen_maxpool_count; i++)
        failures += check_case(&gen_maxpool_cases[i], &g);
    printf("check_maxpool (%s): %d of %d window shapes differ\n", MAXPOOL_ISA, failures,
           gen_maxpool_count);
    return failures ? 1 : 0;
}
