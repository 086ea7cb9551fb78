/* test_kern_pool.c: the generic pooling kernels (kernels_pool.c).
 *
 * Checks rn_maxpool_fwd/bwd against a naive NCHW window scan written here (3x3 s2 p1 on odd
 * and even sizes, 2x2 s2 p0, 3x3 s1 p1, 3x3 s2 p0), including all-negative inputs (padding
 * must be -inf, not 0) and tie handling by hand (a constant input routes each window's
 * gradient to its first element in kh-major, kw-minor scan order, as PyTorch CPU), by finite
 * differences on inputs with distinct, well-separated values, and with accumulate;
 * rn_gap_fwd/bwd directly, by finite differences and with accumulate; bit-identical max-pool
 * results with 1, 2 and 3 threads.
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

typedef struct {
    const char *name;
    int n, h, w, c, kh, kw, stride, pad;
} pool_case;

static rn_conv_shape pool_shape(const pool_case *pc)
{
    rn_conv_shape s = { .n = pc->n, .h = pc->h, .w = pc->w, .c = pc->c, .k = pc->c,
                        .kh = pc->kh, .kw = pc->kw, .stride = pc->stride, .pad = pc->pad };
    if (rn_conv_shape_resolve(&s) != 0) {
        fprintf(stderr, "bad case %s\n", pc->name);
        exit(2);
    }
    return s;
}

/* Naive NCHW max pool over NHWC data (indices computed per element): y and, for dy, the
 * routed gradient dx (first strictly greater element wins). */
static void naive_pool(const rn_conv_shape *s, const float *x, const float *dy, double *y,
                       double *dx)
{
    for (int b = 0; b < s->n; b++)
        for (int ch = 0; ch < s->c; ch++)
            for (int oy = 0; oy < s->oh; oy++)
                for (int ox = 0; ox < s->ow; ox++) {
                    double best = -INFINITY;
                    long at = -1;
                    for (int i = 0; i < s->kh; i++)
                        for (int j = 0; j < s->kw; j++) {
                            int iy = oy * s->stride - s->pad + i, ix = ox * s->stride - s->pad + j;
                            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                continue; /* -inf padding never wins */
                            long xi = (((long)b * s->h + iy) * s->w + ix) * s->c + ch;
                            if (x[xi] > best) {
                                best = x[xi];
                                at = xi;
                            }
                        }
                    long yi = (((long)b * s->oh + oy) * s->ow + ox) * s->c + ch;
                    y[yi] = best;
                    if (at >= 0)
                        dx[at] += dy[yi];
                }
}

static const pool_case pool_cases[] = {
    { "3x3 s2 p1 9x9 c3", 2, 9, 9, 3, 3, 3, 2, 1 },
    { "3x3 s2 p1 8x8 c5", 2, 8, 8, 5, 3, 3, 2, 1 },
    { "2x2 s2 p0 7x7 c4", 2, 7, 7, 4, 2, 2, 2, 0 },
    { "3x3 s1 p1 5x7 c3", 1, 5, 7, 3, 3, 3, 1, 1 },
    { "3x3 s2 p0 9x9 c5", 2, 9, 9, 5, 3, 3, 2, 0 },
};

static void test_maxpool_direct(const pool_case *pc, int negative)
{
    char name[96];
    snprintf(name, sizeof name, "%s%s", pc->name, negative ? " all negative" : "");
    rn_conv_shape s = pool_shape(pc);
    size_t nx = (size_t)s.n * s.h * s.w * s.c, ny = (size_t)s.n * s.oh * s.ow * s.c;
    float *x = kt_floats(nx), *y = kt_floats(ny), *dy = kt_floats(ny), *dx = kt_floats(nx);
    double *yr = kt_doubles(ny), *dxr = kt_doubles(nx);
    kt_fill(x, nx, negative ? -5 : -1, negative ? -0.5 : 1);
    kt_fill(dy, ny, -1, 1);
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    rn_maxpool_fwd(&s, x, y);
    rn_maxpool_bwd(&s, x, dy, dx, 0);
    naive_pool(&s, x, dy, yr, dxr);
    kt_check("rn_maxpool_fwd", name, kt_err(y, yr, ny), 0);
    kt_check("rn_maxpool_bwd", name, kt_err(dx, dxr, nx), 1e-6);

    float *old = kt_floats(nx), *acc = kt_floats(nx);
    kt_fill(old, nx, -2, 2);
    memcpy(acc, old, nx * sizeof(float));
    rn_maxpool_bwd(&s, x, dy, acc, 1);
    size_t bad = 0;
    for (size_t i = 0; i < nx; i++) {
        float want = old[i] + dx[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    kt_require(bad == 0, "rn_maxpool_bwd accumulate", name, "dx != old + fresh");
    free(x), free(y), free(dy), free(dx), free(yr), free(dxr), free(old), free(acc);
}

/* A constant 5x5 single-channel image, 3x3 s2 p1: 3x3 outputs. Window (oy, ox) covers rows
 * 2oy-1..2oy+1; its first in-bounds element is row max(2oy-1, 0), likewise for columns. So
 * rows/cols 0 (window 0), 1 (window 1), 3 (window 2) receive the gradient. */
static void test_maxpool_ties(void)
{
    rn_conv_shape s = { .n = 1, .h = 5, .w = 5, .c = 1, .k = 1, .kh = 3, .kw = 3, .stride = 2,
                        .pad = 1 };
    rn_conv_shape_resolve(&s);
    float x[25], y[9], dy[9], dx[25];
    for (int i = 0; i < 25; i++)
        x[i] = 1.5f;
    for (int i = 0; i < 9; i++)
        dy[i] = (float)(i + 1);
    rn_maxpool_fwd(&s, x, y);
    rn_maxpool_bwd(&s, x, dy, dx, 0);
    static const int first[3] = { 0, 1, 3 };
    double want[25] = { 0 };
    for (int oy = 0; oy < 3; oy++)
        for (int ox = 0; ox < 3; ox++)
            want[first[oy] * 5 + first[ox]] += dy[oy * 3 + ox];
    double ywant[9];
    for (int i = 0; i < 9; i++)
        ywant[i] = 1.5;
    kt_check("rn_maxpool_fwd", "ties 5x5 3x3 s2 p1", kt_err(y, ywant, 9), 0);
    kt_check("rn_maxpool_bwd", "ties route to first in window", kt_err(dx, want, 25), 0);

    /* Two channels, a 2x2 window with equal maxima at (0,1) and (1,0): channel 0 takes
     * (0,1), the first in scan order; channel 1 has its unique max at (1,1). */
    rn_conv_shape t = { .n = 1, .h = 2, .w = 2, .c = 2, .k = 2, .kh = 2, .kw = 2, .stride = 2,
                        .pad = 0 };
    rn_conv_shape_resolve(&t);
    const float x2[8] = { 0, 1, 7, 2, 7, 3, -1, 4 }; /* [y][x][c] */
    float y2[2], dy2[2] = { 10, 20 }, dx2[8];
    rn_maxpool_fwd(&t, x2, y2);
    rn_maxpool_bwd(&t, x2, dy2, dx2, 0);
    const double yw[2] = { 7, 4 }, dw[8] = { 0, 0, 10, 0, 0, 0, 0, 20 };
    kt_check("rn_maxpool_fwd", "2x2 tie, two channels", kt_err(y2, yw, 2), 0);
    kt_check("rn_maxpool_bwd", "2x2 tie, two channels", kt_err(dx2, dw, 8), 0);
}

typedef struct {
    rn_conv_shape s;
    float *x, *y;
    double *r;
} pool_fd;

static double maxpool_f(void *p)
{
    pool_fd *t = p;
    rn_maxpool_fwd(&t->s, t->x, t->y);
    return kt_dot(t->r, t->y, (size_t)t->s.n * t->s.oh * t->s.ow * t->s.c);
}

static void test_maxpool_fd(const pool_case *pc)
{
    pool_fd t = { .s = pool_shape(pc) };
    size_t nx = (size_t)t.s.n * t.s.h * t.s.w * t.s.c, ny = (size_t)t.s.n * t.s.oh * t.s.ow * t.s.c;
    t.x = kt_floats(nx), t.y = kt_floats(ny), t.r = kt_doubles(ny);
    float *rf = kt_floats(ny), *dx = kt_floats(nx);
    /* distinct values 0.05 apart, shuffled: no two within 2h of each other */
    for (size_t i = 0; i < nx; i++)
        t.x[i] = (float)(0.05 * (double)i - 0.025 * (double)nx);
    for (size_t i = nx - 1; i > 0; i--) {
        size_t j = (size_t)(kt_uniform(0, 1) * (double)(i + 1));
        if (j > i)
            j = i;
        float v = t.x[i];
        t.x[i] = t.x[j];
        t.x[j] = v;
    }
    kt_functional(t.r, rf, ny);
    rn_maxpool_bwd(&t.s, t.x, rf, dx, 0);
    kt_fd_check("rn_maxpool_bwd", pc->name, maxpool_f, &t, t.x, dx, nx, 1e-2f, 1e-2);
    free(t.x), free(t.y), free(t.r), free(rf), free(dx);
}

/* ---- global average pooling ---- */

typedef struct {
    int n, hw, c;
    float *x, *y;
    double *r;
} gap_fd;

static double gap_f(void *p)
{
    gap_fd *t = p;
    rn_gap_fwd(t->x, t->y, t->n, t->hw, t->c);
    return kt_dot(t->r, t->y, (size_t)t->n * t->c);
}

static void test_gap(int n, int h, int w, int c)
{
    char name[64];
    snprintf(name, sizeof name, "n%d %dx%d c%d", n, h, w, c);
    const int hw = h * w;
    size_t nx = (size_t)n * hw * c, ny = (size_t)n * c;
    float *x = kt_floats(nx), *y = kt_floats(ny), *dy = kt_floats(ny), *dx = kt_floats(nx);
    double *yr = kt_doubles(ny), *dxr = kt_doubles(nx);
    kt_fill(x, nx, -1, 2);
    kt_fill(dy, ny, -1, 1);
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    rn_gap_fwd(x, y, n, hw, c);
    rn_gap_bwd(dy, dx, n, hw, c, 0);
    for (int b = 0; b < n; b++)
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int p = 0; p < hw; p++)
                s += x[((size_t)b * hw + p) * c + k];
            yr[(size_t)b * c + k] = s / hw;
            for (int p = 0; p < hw; p++)
                dxr[((size_t)b * hw + p) * c + k] = (double)dy[(size_t)b * c + k] / hw;
        }
    kt_check("rn_gap_fwd", name, kt_err(y, yr, ny), 1e-6);
    kt_check("rn_gap_bwd", name, kt_err(dx, dxr, nx), 1e-6);

    float *old = kt_floats(nx), *acc = kt_floats(nx);
    kt_fill(old, nx, -2, 2);
    memcpy(acc, old, nx * sizeof(float));
    rn_gap_bwd(dy, acc, n, hw, c, 1);
    size_t bad = 0;
    for (size_t i = 0; i < nx; i++) {
        float want = old[i] + dx[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    kt_require(bad == 0, "rn_gap_bwd accumulate", name, "dx != old + fresh");

    gap_fd t = { .n = n, .hw = hw, .c = c, .x = x, .y = y, .r = kt_doubles(ny) };
    float *rf = kt_floats(ny);
    kt_functional(t.r, rf, ny);
    rn_gap_bwd(rf, dx, n, hw, c, 0);
    kt_fd_check("rn_gap_bwd", name, gap_f, &t, x, dx, nx, 0.05f, 1e-2);
    free(x), free(y), free(dy), free(dx), free(yr), free(dxr), free(old), free(acc), free(t.r);
    free(rf);
}

static void test_determinism(void)
{
    const pool_case pc = { "3x3 s2 p1 20x20 c24", 6, 20, 20, 24, 3, 3, 2, 1 };
    rn_conv_shape s = pool_shape(&pc);
    size_t nx = (size_t)s.n * s.h * s.w * s.c, ny = (size_t)s.n * s.oh * s.ow * s.c;
    float *x = kt_floats(nx), *dy = kt_floats(ny);
    kt_fill(x, nx, -1, 1);
    kt_fill(dy, ny, -1, 1);
    static const int threads[4] = { 2, 2, 1, 3 };
    float *o[4];
    for (int t = 0; t < 4; t++) {
        omp_set_num_threads(threads[t]);
        o[t] = kt_floats(nx + ny);
        rn_maxpool_fwd(&s, x, o[t]);
        rn_maxpool_bwd(&s, x, dy, o[t] + ny, 0);
    }
    for (int t = 1; t < 4; t++) {
        char name[64];
        snprintf(name, sizeof name, "%d threads vs 2 threads", threads[t]);
        kt_require(kt_bitdiff(o[0], o[t], nx + ny) == 0, "rn_maxpool determinism", name,
                   "outputs differ");
    }
    for (int t = 0; t < 4; t++)
        free(o[t]);
    free(x), free(dy);
}

int main(void)
{
    kt_seed(4);
    for (size_t i = 0; i < sizeof pool_cases / sizeof pool_cases[0]; i++) {
        test_maxpool_direct(&pool_cases[i], 0);
        test_maxpool_direct(&pool_cases[i], 1);
    }
    test_maxpool_ties();
    for (size_t i = 0; i < sizeof pool_cases / sizeof pool_cases[0]; i++) {
        pool_case fc = pool_cases[i];
        fc.n = 3;
        test_maxpool_fd(&fc);
    }
    test_gap(3, 5, 5, 6);
    test_gap(2, 7, 9, 5);
    test_gap(3, 8, 8, 4);
    test_determinism();
    return kt_finish("test_kern_pool");
}
