/* test_kern_pointwise.c: the generic elementwise and data-movement kernels
 * (kernels_pointwise.c).
 *
 * Checks rn_relu_fwd (also in place) and rn_relu_bwd (gating on y > 0, in place dx == dy,
 * accumulate) directly and by finite differences; rn_add_fwd; rn_grad_pass (store, add,
 * dx == dy); rn_shortcut_a_fwd/bwd against a naive subsample-and-pad written here (stride 2
 * on odd and even sizes, stride 1, pad_lo 0 and > 0), by finite differences and with
 * accumulate; rn_nchw_to_nhwc / rn_nhwc_to_nchw against index formulas and as a round trip;
 * bit-identical results with 1, 2 and 3 threads on tensors large enough to be split.
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

static size_t exact_acc_mismatches(const float *old, const float *fresh, const float *acc,
                                   size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float want = old[i] + fresh[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    return bad;
}

/* ---- relu ---- */

typedef struct {
    float *x, *y;
    double *r;
    size_t n;
} relu_fd;

static double relu_f(void *p)
{
    relu_fd *t = p;
    rn_relu_fwd(t->x, t->y, t->n);
    return kt_dot(t->r, t->y, t->n);
}

static void test_relu(void)
{
    const size_t n = 3 * 6 * 6 * 5; /* batch 3, 6x6, 5 channels */
    float *x = kt_floats(n), *y = kt_floats(n), *dy = kt_floats(n), *dx = kt_floats(n);
    double *yr = kt_doubles(n), *dxr = kt_doubles(n);
    /* values at least 0.05 away from the kink, plus exact zeros for the direct check */
    for (size_t i = 0; i < n; i++) {
        double v = kt_uniform(0.05, 2.0);
        x[i] = (float)(kt_uniform(0, 1) < 0.5 ? -v : v);
    }
    x[0] = 0.0f;
    x[1] = -0.0f;
    kt_fill(dy, n, -1, 1);
    rn_relu_fwd(x, y, n);
    for (size_t i = 0; i < n; i++)
        yr[i] = x[i] > 0 ? x[i] : 0.0;
    kt_check("rn_relu_fwd", "batch 3 6x6 c5", kt_err(y, yr, n), 0);
    for (size_t i = 0; i < n; i++)
        dx[i] = NAN;
    rn_relu_bwd(y, dy, dx, n, 0);
    for (size_t i = 0; i < n; i++)
        dxr[i] = yr[i] > 0 ? dy[i] : 0.0;
    kt_check("rn_relu_bwd", "batch 3 6x6 c5", kt_err(dx, dxr, n), 0);

    float *ip = kt_floats(n);
    memcpy(ip, x, n * sizeof(float));
    rn_relu_fwd(ip, ip, n);
    kt_require(kt_bitdiff(ip, y, n) == 0, "rn_relu_fwd", "in place", "y == x differs");
    memcpy(ip, dy, n * sizeof(float));
    rn_relu_bwd(y, ip, ip, n, 0);
    kt_require(kt_bitdiff(ip, dx, n) == 0, "rn_relu_bwd", "in place dx == dy", "differs");

    float *old = kt_floats(n), *acc = kt_floats(n);
    kt_fill(old, n, -2, 2);
    memcpy(acc, old, n * sizeof(float));
    rn_relu_bwd(y, dy, acc, n, 1);
    kt_require(exact_acc_mismatches(old, dx, acc, n) == 0, "rn_relu_bwd accumulate",
               "batch 3 6x6 c5", "dx != old + fresh");

    relu_fd t = { .x = x, .y = y, .r = kt_doubles(n), .n = n };
    float *rf = kt_floats(n);
    kt_functional(t.r, rf, n);
    x[0] = 0.5f, x[1] = -0.5f; /* away from the kink for FD */
    rn_relu_fwd(x, y, n);
    rn_relu_bwd(y, rf, dx, n, 0);
    kt_fd_check("rn_relu_bwd", "batch 3 6x6 c5", relu_f, &t, x, dx, n, 1e-2f, 1e-2);

    free(x), free(y), free(dy), free(dx), free(yr), free(dxr), free(ip), free(old), free(acc);
    free(t.r), free(rf);
}

/* ---- add, grad_pass ---- */

static void test_add_pass(void)
{
    const size_t n = 2 * 7 * 7 * 3;
    float *a = kt_floats(n), *b = kt_floats(n), *y = kt_floats(n), *dx = kt_floats(n);
    double *yr = kt_doubles(n);
    kt_fill(a, n, -1, 1);
    kt_fill(b, n, -1, 1);
    rn_add_fwd(a, b, y, n);
    for (size_t i = 0; i < n; i++)
        yr[i] = (double)(a[i] + b[i]);
    kt_check("rn_add_fwd", "2x7x7x3", kt_err(y, yr, n), 0);

    for (size_t i = 0; i < n; i++)
        dx[i] = NAN;
    rn_grad_pass(a, dx, n, 0);
    kt_require(kt_bitdiff(dx, a, n) == 0, "rn_grad_pass", "store", "dx != dy");
    memcpy(dx, b, n * sizeof(float));
    rn_grad_pass(a, dx, n, 1);
    kt_require(exact_acc_mismatches(b, a, dx, n) == 0, "rn_grad_pass", "accumulate",
               "dx != old + dy");
    memcpy(dx, a, n * sizeof(float));
    rn_grad_pass(dx, dx, n, 0);
    kt_require(kt_bitdiff(dx, a, n) == 0, "rn_grad_pass", "dx == dy", "changed");
    free(a), free(b), free(y), free(dx), free(yr);
}

/* ---- option A shortcut ---- */

typedef struct {
    const char *name;
    int n, h, w, c, k, stride, pad_lo;
} sc_case;

static rn_conv_shape sc_shape(const sc_case *cc)
{
    rn_conv_shape s = { .n = cc->n, .h = cc->h, .w = cc->w, .c = cc->c, .k = cc->k, .kh = 1,
                        .kw = 1, .stride = cc->stride, .pad = 0 };
    s.oh = (cc->h - 1) / cc->stride + 1;
    s.ow = (cc->w - 1) / cc->stride + 1;
    return s;
}

typedef struct {
    rn_conv_shape s;
    int pad_lo;
    float *x, *y;
    double *r;
} sc_fd;

static double sc_f(void *p)
{
    sc_fd *t = p;
    rn_shortcut_a_fwd(&t->s, t->pad_lo, t->x, t->y);
    return kt_dot(t->r, t->y, (size_t)t->s.n * t->s.oh * t->s.ow * t->s.k);
}

static void test_shortcut(const sc_case *cc)
{
    rn_conv_shape s = sc_shape(cc);
    size_t nx = (size_t)s.n * s.h * s.w * s.c, ny = (size_t)s.n * s.oh * s.ow * s.k;
    float *x = kt_floats(nx), *y = kt_floats(ny), *dy = kt_floats(ny), *dx = kt_floats(nx);
    double *yr = kt_doubles(ny), *dxr = kt_doubles(nx);
    kt_fill(x, nx, -1, 1);
    kt_fill(dy, ny, -1, 1);
    for (size_t i = 0; i < ny; i++)
        y[i] = NAN;
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    rn_shortcut_a_fwd(&s, cc->pad_lo, x, y);
    rn_shortcut_a_bwd(&s, cc->pad_lo, dy, dx, 0);
    /* naive: y[b][oy][ox][k] = x[b][oy*s][ox*s][k - pad_lo] for k in range, else 0;
     * dx is its adjoint, scattered here. */
    for (int b = 0; b < s.n; b++)
        for (int oy = 0; oy < s.oh; oy++)
            for (int ox = 0; ox < s.ow; ox++)
                for (int k = 0; k < s.k; k++) {
                    size_t yi = (((size_t)b * s.oh + oy) * s.ow + ox) * s.k + k;
                    int ch = k - cc->pad_lo;
                    if (ch < 0 || ch >= s.c)
                        continue;
                    size_t xi = (((size_t)b * s.h + oy * cc->stride) * s.w + ox * cc->stride) *
                                    s.c + ch;
                    yr[yi] = x[xi];
                    dxr[xi] += dy[yi];
                }
    kt_check("rn_shortcut_a_fwd", cc->name, kt_err(y, yr, ny), 0);
    kt_check("rn_shortcut_a_bwd", cc->name, kt_err(dx, dxr, nx), 0);

    float *old = kt_floats(nx), *acc = kt_floats(nx);
    kt_fill(old, nx, -2, 2);
    memcpy(acc, old, nx * sizeof(float));
    rn_shortcut_a_bwd(&s, cc->pad_lo, dy, acc, 1);
    kt_require(exact_acc_mismatches(old, dx, acc, nx) == 0, "rn_shortcut_a_bwd accumulate",
               cc->name, "dx != old + fresh");

    sc_fd t = { .s = s, .pad_lo = cc->pad_lo, .x = x, .y = y, .r = kt_doubles(ny) };
    float *rf = kt_floats(ny);
    kt_functional(t.r, rf, ny);
    rn_shortcut_a_bwd(&s, cc->pad_lo, rf, dx, 0);
    kt_fd_check("rn_shortcut_a_bwd", cc->name, sc_f, &t, x, dx, nx, 0.05f, 1e-2);

    free(x), free(y), free(dy), free(dx), free(yr), free(dxr), free(old), free(acc), free(t.r);
    free(rf);
}

static const sc_case sc_cases[] = {
    { "s2 c4->k8 pad_lo 2 8x8", 3, 8, 8, 4, 8, 2, 2 },
    { "s2 c5->k9 pad_lo 2 7x7", 3, 7, 7, 5, 9, 2, 2 },
    { "s2 c3->k6 pad_lo 0 5x7", 2, 5, 7, 3, 6, 2, 0 },
    { "s1 c4->k8 pad_lo 4 5x5", 3, 5, 5, 4, 8, 1, 4 },
};

/* ---- layouts ---- */

static void test_layouts(void)
{
    const int n = 2, c = 3, h = 5, w = 7;
    const size_t cnt = (size_t)n * c * h * w;
    float *nchw = kt_floats(cnt), *nhwc = kt_floats(cnt), *back = kt_floats(cnt);
    for (size_t i = 0; i < cnt; i++)
        nchw[i] = (float)i; /* the value is its NCHW index */
    rn_nchw_to_nhwc(nchw, nhwc, n, c, h, w);
    size_t bad = 0;
    for (int b = 0; b < n; b++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++)
                    if (nhwc[((b * h + y) * w + x) * c + ch] != (float)(((b * c + ch) * h + y) * w + x))
                        bad++;
    kt_require(bad == 0, "rn_nchw_to_nhwc", "n2 c3 5x7", "element in the wrong place");
    rn_nhwc_to_nchw(nhwc, back, n, c, h, w);
    kt_require(kt_bitdiff(back, nchw, cnt) == 0, "rn_nhwc_to_nchw", "n2 c3 5x7 round trip",
               "does not invert rn_nchw_to_nhwc");
    free(nchw), free(nhwc), free(back);
}

/* ---- determinism ---- */

static void test_determinism(void)
{
    const size_t n = 300000; /* above the kernels' parallel threshold */
    float *x = kt_floats(n), *dy = kt_floats(n);
    kt_fill(x, n, -1, 1);
    kt_fill(dy, n, -1, 1);
    const sc_case cc = { "s2 c16->k32 32x32", 8, 32, 32, 16, 32, 2, 8 };
    rn_conv_shape s = sc_shape(&cc);
    size_t nx = (size_t)s.n * s.h * s.w * s.c, ny = (size_t)s.n * s.oh * s.ow * s.k;
    static const int threads[4] = { 2, 2, 1, 3 };
    float *o[4];
    const size_t per = 3 * n + ny + nx;
    for (int t = 0; t < 4; t++) {
        omp_set_num_threads(threads[t]);
        o[t] = kt_floats(per);
        rn_relu_fwd(x, o[t], n);
        rn_relu_bwd(o[t], dy, o[t] + n, n, 0);
        rn_add_fwd(x, dy, o[t] + 2 * n, n);
        rn_shortcut_a_fwd(&s, cc.pad_lo, x, o[t] + 3 * n);
        rn_shortcut_a_bwd(&s, cc.pad_lo, dy, o[t] + 3 * n + ny, 0);
    }
    for (int t = 1; t < 4; t++) {
        char name[64];
        snprintf(name, sizeof name, "%d threads vs 2 threads", threads[t]);
        kt_require(kt_bitdiff(o[0], o[t], per) == 0, "pointwise determinism", name,
                   "outputs differ");
    }
    for (int t = 0; t < 4; t++)
        free(o[t]);
    free(x), free(dy);
}

int main(void)
{
    kt_seed(3);
    test_relu();
    test_add_pass();
    for (size_t i = 0; i < sizeof sc_cases / sizeof sc_cases[0]; i++)
        test_shortcut(&sc_cases[i]);
    test_layouts();
    test_determinism();
    return kt_finish("test_kern_pointwise");
}
