/* check_winograd.c: the accuracy of a generated model's Winograd conv kernels (gen/winograd.lua)
 * against a float64 direct convolution computed here.
 *
 *   check_winograd_<model> [batch]
 *
 * Every distinct conv kernel of the model (compiled in with -DRN_TEST_MODEL=<name>_model)
 * whose forward, backward-data or backward-weights kernel is a Winograd one (its name carries _f2 or _f4: F(2x2,
 * 3x3) or F(4x4, 3x3)) runs on random inputs, weights and output gradients; its output's
 * relative L2 error ||out - ref|| / ||ref|| against the float64 reference must be at most
 * 1e-5 for F(2x2, 3x3) and 1e-4 for F(4x4, 3x3) (the bounds; F(4x4)'s transforms
 * have entries up to 8 and 1/24, and lose more bits). The direct kernels of the other layers are
 * measured too and held to 1e-5. Exit 1 on any error above its bound, or when the model has
 * no Winograd kernel at all (nothing would have been tested); 77 where the CPU lacks the
 * model's ISA.
 */
#include "resnetc/model.h"
#include "resnetc/rng.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const rn_model RN_TEST_MODEL;
static const rn_model *M = &RN_TEST_MODEL;

typedef struct shape {
    int n, h, w, c, k, kh, kw, stride, pad, oh, ow;
} shape;

/* y[n][oh][ow][k] = sum x[n][ih][iw][c] w[i][j][c][k], in double (NHWC, HWIO) */
static void ref_fwd(const shape *s, const float *x, const float *w, double *y)
{
    for (int b = 0; b < s->n; b++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                double *out = y + (((size_t)b * s->oh + oy) * s->ow + ox) * s->k;
                memset(out, 0, sizeof(double) * (size_t)s->k);
                for (int i = 0; i < s->kh; i++)
                    for (int j = 0; j < s->kw; j++) {
                        const int iy = oy * s->stride - s->pad + i, ix = ox * s->stride - s->pad + j;
                        if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                            continue;
                        const float *in = x + (((size_t)b * s->h + iy) * s->w + ix) * s->c;
                        const float *wt = w + ((size_t)(i * s->kw + j) * s->c) * s->k;
                        for (int c = 0; c < s->c; c++)
                            for (int k = 0; k < s->k; k++)
                                out[k] += (double)in[c] * wt[(size_t)c * s->k + k];
                    }
            }
}

/* dx[n][ih][iw][c] = sum dy[n][oh][ow][k] w[i][j][c][k] over the taps reaching (ih, iw) */
static void ref_bwd_data(const shape *s, const float *dy, const float *w, double *dx)
{
    memset(dx, 0, sizeof(double) * (size_t)s->n * s->h * s->w * s->c);
    for (int b = 0; b < s->n; b++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                const float *g = dy + (((size_t)b * s->oh + oy) * s->ow + ox) * s->k;
                for (int i = 0; i < s->kh; i++)
                    for (int j = 0; j < s->kw; j++) {
                        const int iy = oy * s->stride - s->pad + i, ix = ox * s->stride - s->pad + j;
                        if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                            continue;
                        double *out = dx + (((size_t)b * s->h + iy) * s->w + ix) * s->c;
                        const float *wt = w + ((size_t)(i * s->kw + j) * s->c) * s->k;
                        for (int c = 0; c < s->c; c++) {
                            double acc = 0.0;
                            for (int k = 0; k < s->k; k++)
                                acc += (double)g[k] * wt[(size_t)c * s->k + k];
                            out[c] += acc;
                        }
                    }
            }
}

/* dw[i][j][c][k] = sum over images and output pixels of x[n][ih][iw][c] dy[n][oh][ow][k] */
static void ref_bwd_weights(const shape *s, const float *x, const float *dy, double *dw)
{
    memset(dw, 0, sizeof(double) * (size_t)s->kh * s->kw * s->c * s->k);
    for (int b = 0; b < s->n; b++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                const float *g = dy + (((size_t)b * s->oh + oy) * s->ow + ox) * s->k;
                for (int i = 0; i < s->kh; i++)
                    for (int j = 0; j < s->kw; j++) {
                        const int iy = oy * s->stride - s->pad + i, ix = ox * s->stride - s->pad + j;
                        if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                            continue;
                        const float *in = x + (((size_t)b * s->h + iy) * s->w + ix) * s->c;
                        double *out = dw + ((size_t)(i * s->kw + j) * s->c) * s->k;
                        for (int c = 0; c < s->c; c++)
                            for (int k = 0; k < s->k; k++)
                                out[(size_t)c * s->k + k] += (double)in[c] * g[k];
                    }
            }
}

static double rel_l2(const float *a, const double *ref, size_t count)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)a[i] - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
    }
    return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

/* The bound for a kernel by its name: F(4x4) 1e-4, F(2x2) and direct 1e-5; *wino counts it. */
static double bound(const char *kernel, int *wino)
{
    if (strstr(kernel, "_f4_")) {
        (*wino)++;
        return 1e-4;
    }
    if (strstr(kernel, "_f2_"))
        (*wino)++;
    return 1e-5;
}

static float *random_floats(rn_rng *g, size_t count, float scale)
{
    float *p = rn_alloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        p[i] = scale * rn_rng_normal(g);
    return p;
}

int main(int argc, char **argv)
{
    const int batch = argc > 1 ? atoi(argv[1]) : 2;
    if (batch < 1) {
        fprintf(stderr, "check_winograd: batch: expected a positive integer, got '%s'\n", argv[1]);
        return 2;
    }
    if (!rn_model_runs_here(M)) {
        printf("check_winograd: %s: skipped, this CPU lacks %s\n", M->name, M->cpu_features);
        return 77;
    }
    rn_run *r = rn_run_create(M, batch, 0);
    if (!r)
        return 1;
    rn_rng g;
    rn_rng_seed(&g, 7, 1);
    int wino = 0, failures = 0, checked = 0;
    for (int i = 0; i < M->n_convs; i++) {
        const rn_conv_entry *e = &M->convs[i];
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(e->fwd_kernel, M->convs[j].fwd_kernel) &&
                   !strcmp(e->bwd_data_kernel, M->convs[j].bwd_data_kernel) &&
                   !strcmp(e->bwd_weights_kernel, M->convs[j].bwd_weights_kernel);
        if (seen)
            continue;
        const rn_layer_info *L = &M->layers[e->layer];
        const rn_act_info *in = &M->acts[L->in[0]], *out = &M->acts[L->out];
        const shape s = { batch, in->h, in->w, in->c, L->k, L->kh, L->kw, L->stride, L->pad, out->h, out->w };
        const size_t nx = (size_t)batch * s.h * s.w * s.c, ny = (size_t)batch * s.oh * s.ow * s.k;
        const size_t nw = (size_t)s.kh * s.kw * s.c * s.k;
        float *x = random_floats(&g, nx, 1.0f), *dy = random_floats(&g, ny, 1.0f);
        float *w = random_floats(&g, nw, (float)sqrt(2.0 / ((double)s.kh * s.kw * s.c)));
        float *y = rn_alloc(sizeof(float) * ny), *dx = rn_alloc(sizeof(float) * nx);
        float *dw = rn_alloc(sizeof(float) * nw);
        const size_t most = nx > ny ? (nx > nw ? nx : nw) : (ny > nw ? ny : nw);
        double *ref = rn_alloc(sizeof(double) * most);
        for (int d = 0; d < 3; d++) {
            const char *kernel = d == 0 ? e->fwd_kernel : d == 1 ? e->bwd_data_kernel : e->bwd_weights_kernel;
            const double tol = bound(kernel, &wino);
            double err;
            if (d == 0) {
                ref_fwd(&s, x, w, ref);
                e->fwd(r, x, w, y);
                err = rel_l2(y, ref, ny);
            } else if (d == 2) {
                ref_bwd_weights(&s, x, dy, ref);
                memset(dw, 0xff, sizeof(float) * nw);
                e->bwd_weights(r, x, dy, dw);
                err = rel_l2(dw, ref, nw);
            } else {
                ref_bwd_data(&s, dy, w, ref);
                memset(dx, 0xff, sizeof(float) * nx);   /* NaN: every element must be written */
                e->bwd_data(r, dy, w, dx);
                err = rel_l2(dx, ref, nx);
            }
            const int ok = err <= tol;
            printf("%-16s %-48s relative L2 %.2e (bound %.0e)%s\n", L->name, kernel, err, tol, ok ? "" : "  FAILED");
            failures += !ok;
            checked++;
        }
        rn_free(x), rn_free(dy), rn_free(w), rn_free(y), rn_free(dx), rn_free(dw), rn_free(ref);
    }
    rn_run_destroy(r);
    printf("check_winograd: %s (%s): %d kernel directions checked against float64, %d of them Winograd, %d failed\n",
           M->name, M->isa, checked, wino, failures);
    if (wino == 0) {
        fprintf(stderr, "check_winograd: %s has no Winograd kernel: nothing was tested\n", M->name);
        return 1;
    }
    return failures ? 1 : 0;
}
