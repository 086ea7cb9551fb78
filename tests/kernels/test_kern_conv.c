/* test_kern_conv.c: the generic convolution kernels (kernels_conv.c).
 *
 * Checks rn_conv_shape_resolve on PyTorch's formula; rn_conv2d_fwd, _bwd_data and
 * _bwd_weights against naive double-precision NCHW/OIHW loop nests written here (with this
 * file's own layout conversions) over 1x1, 3x3, 7x7 kernels, stride 1 and 2, padding 0/1/3,
 * channel counts 3 and 5, odd and non-square sizes; finite-difference gradients of a random
 * linear functional for bwd_data and bwd_weights; accumulate=1 adding exactly to what is
 * there (and accumulate=0 overwriting NaN garbage); bit-identical results across repeated
 * runs with 2 threads and across 1, 2 and 3 threads.
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

typedef struct {
    const char *name;
    int n, h, w, c, k, kh, kw, stride, pad;
} conv_case;

static rn_conv_shape shape_of(const conv_case *cc)
{
    rn_conv_shape s = { .n = cc->n, .h = cc->h, .w = cc->w, .c = cc->c, .k = cc->k,
                        .kh = cc->kh, .kw = cc->kw, .stride = cc->stride, .pad = cc->pad };
    if (rn_conv_shape_resolve(&s) != 0) {
        fprintf(stderr, "bad test case %s\n", cc->name);
        exit(2);
    }
    return s;
}

static size_t xsize(const rn_conv_shape *s) { return (size_t)s->n * s->h * s->w * s->c; }
static size_t ysize(const rn_conv_shape *s) { return (size_t)s->n * s->oh * s->ow * s->k; }
static size_t wsize(const rn_conv_shape *s) { return (size_t)s->kh * s->kw * s->c * s->k; }

/* ---- this test's own layout plumbing and naive convolution (double, NCHW / OIHW) ---- */

static double *to_nchw(const float *x, int n, int h, int w, int c)
{
    double *d = kt_doubles((size_t)n * c * h * w);
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    d[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
    return d;
}

/* NCHW double -> NHWC double, for comparison against the kernel's NHWC output. */
static double *nchw_to_nhwc_d(const double *d, int n, int h, int w, int c)
{
    double *o = kt_doubles((size_t)n * c * h * w);
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    o[((b * h + y) * w + xx) * c + ch] = d[((b * c + ch) * h + y) * w + xx];
    return o;
}

static double *w_to_oihw(const float *w, int kh, int kw, int c, int k)
{
    double *d = kt_doubles((size_t)kh * kw * c * k);
    for (int o = 0; o < k; o++)
        for (int i = 0; i < c; i++)
            for (int a = 0; a < kh; a++)
                for (int b = 0; b < kw; b++)
                    d[((o * c + i) * kh + a) * kw + b] = w[((a * kw + b) * c + i) * k + o];
    return d;
}

static double *oihw_to_hwio_d(const double *d, int kh, int kw, int c, int k)
{
    double *o = kt_doubles((size_t)kh * kw * c * k);
    for (int oc = 0; oc < k; oc++)
        for (int i = 0; i < c; i++)
            for (int a = 0; a < kh; a++)
                for (int b = 0; b < kw; b++)
                    o[((a * kw + b) * c + i) * k + oc] = d[((oc * c + i) * kh + a) * kw + b];
    return o;
}

/* The 7-loop direct convolution and its two adjoints, all in NCHW/OIHW. */
static void naive_fwd(const rn_conv_shape *s, const double *x, const double *w, double *y)
{
    for (int b = 0; b < s->n; b++)
        for (int o = 0; o < s->k; o++)
            for (int oy = 0; oy < s->oh; oy++)
                for (int ox = 0; ox < s->ow; ox++) {
                    double acc = 0.0;
                    for (int i = 0; i < s->c; i++)
                        for (int a = 0; a < s->kh; a++)
                            for (int bb = 0; bb < s->kw; bb++) {
                                int iy = oy * s->stride - s->pad + a;
                                int ix = ox * s->stride - s->pad + bb;
                                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                    continue;
                                acc += x[((b * s->c + i) * s->h + iy) * s->w + ix] *
                                       w[((o * s->c + i) * s->kh + a) * s->kw + bb];
                            }
                    y[((b * s->k + o) * s->oh + oy) * s->ow + ox] = acc;
                }
}

static void naive_bwd(const rn_conv_shape *s, const double *x, const double *w,
                      const double *dy, double *dx, double *dw)
{
    for (int b = 0; b < s->n; b++)
        for (int o = 0; o < s->k; o++)
            for (int oy = 0; oy < s->oh; oy++)
                for (int ox = 0; ox < s->ow; ox++) {
                    double g = dy[((b * s->k + o) * s->oh + oy) * s->ow + ox];
                    for (int i = 0; i < s->c; i++)
                        for (int a = 0; a < s->kh; a++)
                            for (int bb = 0; bb < s->kw; bb++) {
                                int iy = oy * s->stride - s->pad + a;
                                int ix = ox * s->stride - s->pad + bb;
                                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                    continue;
                                size_t xi = ((size_t)(b * s->c + i) * s->h + iy) * s->w + ix;
                                size_t wi = ((size_t)(o * s->c + i) * s->kh + a) * s->kw + bb;
                                dx[xi] += g * w[wi];
                                dw[wi] += g * x[xi];
                            }
                }
}

static const conv_case direct_cases[] = {
    { "3x3 s1 p1 c3k5 7x7", 2, 7, 7, 3, 5, 3, 3, 1, 1 },
    { "3x3 s2 p1 c5k3 9x9", 2, 9, 9, 5, 3, 3, 3, 2, 1 },
    { "3x3 s2 p0 c5k6 9x9", 2, 9, 9, 5, 6, 3, 3, 2, 0 },
    { "3x3 s2 p1 c3k5 7x9", 1, 7, 9, 3, 5, 3, 3, 2, 1 },
    { "3x3 s1 p0 c3k2 5x5", 1, 5, 5, 3, 2, 3, 3, 1, 0 },
    { "1x1 s1 p0 c4k6 8x8", 2, 8, 8, 4, 6, 1, 1, 1, 0 },
    { "1x1 s2 p0 c5k4 7x7", 2, 7, 7, 5, 4, 1, 1, 2, 0 },
    { "1x1 s2 p0 c3k8 8x8", 1, 8, 8, 3, 8, 1, 1, 2, 0 },
    { "7x7 s2 p3 c3k8 9x9", 1, 9, 9, 3, 8, 7, 7, 2, 3 },
    { "7x7 s2 p3 c3k4 8x8", 2, 8, 8, 3, 4, 7, 7, 2, 3 },
    { "7x7 s1 p3 c5k3 7x7", 1, 7, 7, 5, 3, 7, 7, 1, 3 },
    { "1x3 s1 p1 c3k5 5x7", 2, 5, 7, 3, 5, 1, 3, 1, 1 },
    { "3x3 s1 p1 c16k16 8x8", 2, 8, 8, 16, 16, 3, 3, 1, 1 },
    { "3x3 s2 p1 c16k32 8x8", 2, 8, 8, 16, 32, 3, 3, 2, 1 },
};

static void test_resolve(void)
{
    static const struct { int h, k, s, p, want; } t[] = {
        { 32, 3, 1, 1, 32 }, { 32, 3, 2, 1, 16 }, { 224, 7, 2, 3, 112 }, { 112, 3, 2, 1, 56 },
        { 7, 3, 2, 1, 4 },   { 9, 7, 2, 3, 5 },   { 8, 1, 2, 0, 4 },     { 7, 1, 2, 0, 4 },
        { 5, 5, 1, 0, 1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        rn_conv_shape s = { .n = 1, .h = t[i].h, .w = t[i].h + 1, .c = 1, .k = 1,
                            .kh = t[i].k, .kw = t[i].k, .stride = t[i].s, .pad = t[i].p };
        int rc = rn_conv_shape_resolve(&s);
        int wantw = (t[i].h + 1 + 2 * t[i].p - t[i].k) / t[i].s + 1;
        char name[64];
        snprintf(name, sizeof name, "h=%d k=%d s=%d p=%d", t[i].h, t[i].k, t[i].s, t[i].p);
        kt_require(rc == 0 && s.oh == t[i].want && s.ow == wantw, "rn_conv_shape_resolve", name,
                   "wrong output size");
    }
    rn_conv_shape e = { .n = 1, .h = 2, .w = 2, .c = 1, .k = 1, .kh = 5, .kw = 5, .stride = 1,
                        .pad = 0 };
    kt_require(rn_conv_shape_resolve(&e) == -1, "rn_conv_shape_resolve", "empty output",
               "5x5 window over 2x2 accepted");
    rn_conv_shape z = { .n = 1, .h = 8, .w = 8, .c = 1, .k = 1, .kh = 3, .kw = 3, .stride = 0,
                        .pad = 1 };
    kt_require(rn_conv_shape_resolve(&z) == -1, "rn_conv_shape_resolve", "stride 0",
               "stride 0 accepted");
}

static void test_direct(const conv_case *cc)
{
    rn_conv_shape s = shape_of(cc);
    float *x = kt_floats(xsize(&s)), *w = kt_floats(wsize(&s)), *y = kt_floats(ysize(&s));
    float *dy = kt_floats(ysize(&s)), *dx = kt_floats(xsize(&s)), *dw = kt_floats(wsize(&s));
    kt_fill(x, xsize(&s), -1, 1);
    kt_fill(w, wsize(&s), -1, 1);
    kt_fill(dy, ysize(&s), -1, 1);
    for (size_t i = 0; i < xsize(&s); i++)
        dx[i] = NAN; /* accumulate=0 must overwrite */
    for (size_t i = 0; i < wsize(&s); i++)
        dw[i] = NAN; /* bwd_weights overwrites */

    rn_conv2d_fwd(&s, x, w, y);
    rn_conv2d_bwd_data(&s, dy, w, dx, 0);
    rn_conv2d_bwd_weights(&s, x, dy, dw);

    double *xn = to_nchw(x, s.n, s.h, s.w, s.c), *wn = w_to_oihw(w, s.kh, s.kw, s.c, s.k);
    double *dyn = to_nchw(dy, s.n, s.oh, s.ow, s.k);
    double *yn = kt_doubles(ysize(&s)), *dxn = kt_doubles(xsize(&s)), *dwn = kt_doubles(wsize(&s));
    naive_fwd(&s, xn, wn, yn);
    naive_bwd(&s, xn, wn, dyn, dxn, dwn);
    double *yr = nchw_to_nhwc_d(yn, s.n, s.oh, s.ow, s.k);
    double *dxr = nchw_to_nhwc_d(dxn, s.n, s.h, s.w, s.c);
    double *dwr = oihw_to_hwio_d(dwn, s.kh, s.kw, s.c, s.k);

    kt_check("rn_conv2d_fwd", cc->name, kt_err(y, yr, ysize(&s)), 2e-6);
    kt_check("rn_conv2d_bwd_data", cc->name, kt_err(dx, dxr, xsize(&s)), 2e-6);
    kt_check("rn_conv2d_bwd_weights", cc->name, kt_err(dw, dwr, wsize(&s)), 2e-6);

    /* accumulate = 1 adds exactly the fresh result to what is there */
    float *old = kt_floats(xsize(&s)), *acc = kt_floats(xsize(&s));
    kt_fill(old, xsize(&s), -3, 3);
    memcpy(acc, old, xsize(&s) * sizeof(float));
    rn_conv2d_bwd_data(&s, dy, w, acc, 1);
    size_t bad = 0;
    for (size_t i = 0; i < xsize(&s); i++) {
        float want = old[i] + dx[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    kt_require(bad == 0, "rn_conv2d_bwd_data accumulate", cc->name, "dx != old + fresh");

    free(x), free(w), free(y), free(dy), free(dx), free(dw), free(old), free(acc);
    free(xn), free(wn), free(dyn), free(yn), free(dxn), free(dwn), free(yr), free(dxr), free(dwr);
}

/* ---- finite differences ---- */

typedef struct {
    rn_conv_shape s;
    float *x, *w, *y;
    double *r;
} conv_fd;

static double conv_f(void *p)
{
    conv_fd *c = p;
    rn_conv2d_fwd(&c->s, c->x, c->w, c->y);
    return kt_dot(c->r, c->y, ysize(&c->s));
}

static const conv_case fd_cases[] = {
    { "3x3 s1 p1 c4k5 6x6", 3, 6, 6, 4, 5, 3, 3, 1, 1 },
    { "3x3 s2 p1 c5k4 7x7", 3, 7, 7, 5, 4, 3, 3, 2, 1 },
    { "1x1 s1 p0 c4k6 5x5", 3, 5, 5, 4, 6, 1, 1, 1, 0 },
    { "1x1 s2 p0 c5k8 8x8", 3, 8, 8, 5, 8, 1, 1, 2, 0 },
    { "7x7 s2 p3 c3k4 8x8", 3, 8, 8, 3, 4, 7, 7, 2, 3 },
    { "7x7 s1 p3 c4k4 6x6", 3, 6, 6, 4, 4, 7, 7, 1, 3 },
};

static void test_fd(const conv_case *cc)
{
    conv_fd c = { .s = shape_of(cc) };
    rn_conv_shape *s = &c.s;
    c.x = kt_floats(xsize(s)), c.w = kt_floats(wsize(s)), c.y = kt_floats(ysize(s));
    c.r = kt_doubles(ysize(s));
    float *rf = kt_floats(ysize(s)), *dx = kt_floats(xsize(s)), *dw = kt_floats(wsize(s));
    kt_fill(c.x, xsize(s), -1, 1);
    kt_fill(c.w, wsize(s), -0.5, 0.5);
    kt_functional(c.r, rf, ysize(s));
    rn_conv2d_bwd_data(s, rf, c.w, dx, 0);
    rn_conv2d_bwd_weights(s, c.x, rf, dw);
    kt_fd_check("rn_conv2d_bwd_data", cc->name, conv_f, &c, c.x, dx, xsize(s), 0.05f, 1e-2);
    kt_fd_check("rn_conv2d_bwd_weights", cc->name, conv_f, &c, c.w, dw, wsize(s), 0.05f, 1e-2);
    free(c.x), free(c.w), free(c.y), free(c.r), free(rf), free(dx), free(dw);
}

/* ---- determinism ---- */

static void test_determinism(void)
{
    const conv_case cc = { "3x3 s2 p1 c24k32 12x12", 4, 12, 12, 24, 32, 3, 3, 2, 1 };
    rn_conv_shape s = shape_of(&cc);
    float *x = kt_floats(xsize(&s)), *w = kt_floats(wsize(&s)), *dy = kt_floats(ysize(&s));
    kt_fill(x, xsize(&s), -1, 1);
    kt_fill(w, wsize(&s), -1, 1);
    kt_fill(dy, ysize(&s), -1, 1);
    float *y[4], *dx[4], *dw[4];
    static const int threads[4] = { 2, 2, 1, 3 };
    for (int t = 0; t < 4; t++) {
        omp_set_num_threads(threads[t]);
        y[t] = kt_floats(ysize(&s)), dx[t] = kt_floats(xsize(&s)), dw[t] = kt_floats(wsize(&s));
        rn_conv2d_fwd(&s, x, w, y[t]);
        rn_conv2d_bwd_data(&s, dy, w, dx[t], 0);
        rn_conv2d_bwd_weights(&s, x, dy, dw[t]);
    }
    for (int t = 1; t < 4; t++) {
        char name[64];
        snprintf(name, sizeof name, "%d threads vs 2 threads", threads[t]);
        kt_require(kt_bitdiff(y[0], y[t], ysize(&s)) == 0, "rn_conv2d_fwd determinism", name,
                   "outputs differ");
        kt_require(kt_bitdiff(dx[0], dx[t], xsize(&s)) == 0, "rn_conv2d_bwd_data determinism",
                   name, "outputs differ");
        kt_require(kt_bitdiff(dw[0], dw[t], wsize(&s)) == 0,
                   "rn_conv2d_bwd_weights determinism", name, "outputs differ");
    }
    for (int t = 0; t < 4; t++)
        free(y[t]), free(dx[t]), free(dw[t]);
    free(x), free(w), free(dy);
}

int main(void)
{
    kt_seed(1);
    test_resolve();
    for (size_t i = 0; i < sizeof direct_cases / sizeof direct_cases[0]; i++)
        test_direct(&direct_cases[i]);
    for (size_t i = 0; i < sizeof fd_cases / sizeof fd_cases[0]; i++)
        test_fd(&fd_cases[i]);
    test_determinism();
    return kt_finish("test_kern_conv");
}
