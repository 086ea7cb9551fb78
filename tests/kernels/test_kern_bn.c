/* test_kern_bn.c: the generic batch-norm kernels (kernels_bn.c).
 *
 * Checks rn_bn_fwd_train on a hand-computed example (mean, biased variance, saved invstd,
 * running mean and unbiased running variance with momentum 0.1) and against a double-precision
 * formula on random data; rn_bn_fwd_eval against its formula; rn_bn_bwd against the textbook
 * chain-rule expansion (via dvar and dmean, written here independently of the kernel's closed
 * form); finite-difference gradients of a random linear functional of y for x, gamma and beta;
 * accumulate=1 adding exactly; bit-identical results across repeated 2-thread runs and across
 * 1, 2 and 3 threads on a tensor with more rows than one reduction chunk.
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

static void test_hand(void)
{
    /* rows 4, one channel: x = 1 2 3 6, mean 3, biased var 3.5, unbiased 14/3. */
    const float x[4] = { 1, 2, 3, 6 }, g = 2.0f, b = 0.5f, eps = 1e-5f;
    float y[4], rm = 0.0f, rv = 1.0f, sm = 0, si = 0;
    rn_bn_fwd_train(x, y, 4, 1, &g, &b, &rm, &rv, 0.1f, eps, &sm, &si);
    const double invstd = 1.0 / sqrt(3.5 + 1e-5);
    double want[4];
    for (int i = 0; i < 4; i++)
        want[i] = 2.0 * (x[i] - 3.0) * invstd + 0.5;
    kt_check("rn_bn_fwd_train", "hand y", kt_err(y, want, 4), 1e-6);
    kt_check("rn_bn_fwd_train", "hand save_mean", fabs(sm - 3.0), 1e-6);
    kt_check("rn_bn_fwd_train", "hand save_invstd", fabs(si - invstd) / invstd, 1e-6);
    kt_check("rn_bn_fwd_train", "hand running_mean", fabs(rm - 0.3), 1e-6);
    kt_check("rn_bn_fwd_train", "hand running_var", fabs(rv - (0.9 + 0.1 * 14.0 / 3.0)), 1e-6);

    /* A second step from those running values: running = 0.9*running + 0.1*batch. */
    const float x2[4] = { -1, 0, 0, 5 }; /* mean 1, biased var 5.5, unbiased 22/3 */
    float rm2 = rm, rv2 = rv;
    rn_bn_fwd_train(x2, y, 4, 1, &g, &b, &rm2, &rv2, 0.1f, eps, NULL, NULL);
    kt_check("rn_bn_fwd_train", "hand running_mean step 2", fabs(rm2 - (0.9 * rm + 0.1)), 1e-6);
    kt_check("rn_bn_fwd_train", "hand running_var step 2",
             fabs(rv2 - (0.9 * rv + 0.1 * 22.0 / 3.0)), 1e-6);
}

/* Double-precision references on a [rows][c] tensor. */
static void ref_stats(const float *x, size_t rows, int c, double *mean, double *var)
{
    for (int k = 0; k < c; k++) {
        double s = 0, q = 0;
        for (size_t r = 0; r < rows; r++)
            s += x[r * c + k];
        s /= (double)rows;
        for (size_t r = 0; r < rows; r++)
            q += (x[r * c + k] - s) * (x[r * c + k] - s);
        mean[k] = s;
        var[k] = q / (double)rows;
    }
}

static void test_random(size_t rows, int c, const char *name)
{
    const float eps = 1e-5f, mom = 0.1f;
    size_t n = rows * (size_t)c;
    float *x = kt_floats(n), *y = kt_floats(n), *g = kt_floats(c), *b = kt_floats(c);
    float *rm = kt_floats(c), *rv = kt_floats(c), *rm0 = kt_floats(c), *rv0 = kt_floats(c);
    float *sm = kt_floats(c), *si = kt_floats(c), *dy = kt_floats(n), *dx = kt_floats(n);
    float *dg = kt_floats(c), *db = kt_floats(c);
    for (int k = 0; k < c; k++) {
        /* channels with different offsets and scales */
        double off = kt_uniform(-3, 3), sc = kt_uniform(0.2, 4);
        for (size_t r = 0; r < rows; r++)
            x[r * c + k] = (float)(off + sc * kt_uniform(-1, 1));
    }
    kt_fill(g, c, 0.5, 1.5);
    kt_fill(b, c, -1, 1);
    kt_fill(rm0, c, -1, 1);
    kt_fill(rv0, c, 0.5, 2);
    kt_fill(dy, n, -1, 1);
    memcpy(rm, rm0, c * sizeof(float));
    memcpy(rv, rv0, c * sizeof(float));
    for (size_t i = 0; i < n; i++)
        dx[i] = NAN;

    rn_bn_fwd_train(x, y, rows, c, g, b, rm, rv, mom, eps, sm, si);
    rn_bn_bwd(x, dy, dx, rows, c, g, sm, si, dg, db, 0);

    double *mean = kt_doubles(c), *var = kt_doubles(c), *yr = kt_doubles(n);
    double *rmr = kt_doubles(c), *rvr = kt_doubles(c), *invr = kt_doubles(c);
    ref_stats(x, rows, c, mean, var);
    for (int k = 0; k < c; k++) {
        invr[k] = 1.0 / sqrt(var[k] + eps);
        rmr[k] = (1 - mom) * (double)rm0[k] + mom * mean[k];
        rvr[k] = (1 - mom) * (double)rv0[k] + mom * var[k] * rows / (rows - 1.0);
        for (size_t r = 0; r < rows; r++)
            yr[r * c + k] = (x[r * c + k] - mean[k]) * invr[k] * g[k] + b[k];
    }
    kt_check("rn_bn_fwd_train", name, kt_err(y, yr, n), 2e-6);
    kt_check("rn_bn_fwd_train save_mean", name, kt_err(sm, mean, c), 1e-6);
    kt_check("rn_bn_fwd_train save_invstd", name, kt_err(si, invr, c), 1e-6);
    kt_check("rn_bn_fwd_train running_mean", name, kt_err(rm, rmr, c), 1e-6);
    kt_check("rn_bn_fwd_train running_var", name, kt_err(rv, rvr, c), 1e-6);

    /* Backward via the chain rule through var and mean (m = rows):
     *   dxhat = dy*g; dvar = sum(dxhat*(x-mu)) * -1/2 (var+eps)^-3/2
     *   dmu = -sum(dxhat)/sqrt(var+eps) + dvar * sum(-2(x-mu))/m
     *   dx = dxhat/sqrt(var+eps) + dvar*2(x-mu)/m + dmu/m */
    double *dxr = kt_doubles(n), *dgr = kt_doubles(c), *dbr = kt_doubles(c);
    for (int k = 0; k < c; k++) {
        double sd = sqrt(var[k] + eps), dvar = 0, dmu = 0, s2 = 0;
        for (size_t r = 0; r < rows; r++) {
            double xc = x[r * c + k] - mean[k], dxh = (double)dy[r * c + k] * g[k];
            dvar += dxh * xc;
            dmu -= dxh / sd;
            s2 += -2.0 * xc;
            dgr[k] += (double)dy[r * c + k] * xc / sd;
            dbr[k] += dy[r * c + k];
        }
        dvar *= -0.5 * pow(var[k] + eps, -1.5);
        dmu += dvar * s2 / (double)rows;
        for (size_t r = 0; r < rows; r++) {
            double xc = x[r * c + k] - mean[k], dxh = (double)dy[r * c + k] * g[k];
            dxr[r * c + k] = dxh / sd + dvar * 2.0 * xc / (double)rows + dmu / (double)rows;
        }
    }
    kt_check("rn_bn_bwd dx", name, kt_err(dx, dxr, n), 2e-5);
    kt_check("rn_bn_bwd dgamma", name, kt_err(dg, dgr, c), 1e-5);
    kt_check("rn_bn_bwd dbeta", name, kt_err(db, dbr, c), 1e-6);

    /* eval mode against its formula, using the updated running statistics */
    float *ye = kt_floats(n);
    double *yer = kt_doubles(n);
    rn_bn_fwd_eval(x, ye, rows, c, g, b, rm, rv, eps);
    for (int k = 0; k < c; k++)
        for (size_t r = 0; r < rows; r++)
            yer[r * c + k] =
                ((double)x[r * c + k] - rm[k]) / sqrt((double)rv[k] + eps) * g[k] + b[k];
    kt_check("rn_bn_fwd_eval", name, kt_err(ye, yer, n), 2e-6);

    /* accumulate */
    float *acc = kt_floats(n), *old = kt_floats(n);
    kt_fill(old, n, -2, 2);
    memcpy(acc, old, n * sizeof(float));
    rn_bn_bwd(x, dy, acc, rows, c, g, sm, si, dg, db, 1);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float want = old[i] + dx[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    kt_require(bad == 0, "rn_bn_bwd accumulate", name, "dx != old + fresh");

    free(x), free(y), free(g), free(b), free(rm), free(rv), free(rm0), free(rv0), free(sm);
    free(si), free(dy), free(dx), free(dg), free(db), free(mean), free(var), free(yr);
    free(rmr), free(rvr), free(invr), free(dxr), free(dgr), free(dbr), free(ye), free(yer);
    free(acc), free(old);
}

typedef struct {
    size_t rows;
    int c;
    float *x, *y, *g, *b, *rm, *rv, *sm, *si;
    double *r;
} bn_fd;

static double bn_f(void *p)
{
    bn_fd *t = p;
    rn_bn_fwd_train(t->x, t->y, t->rows, t->c, t->g, t->b, t->rm, t->rv, 0.1f, 1e-5f, t->sm,
                    t->si);
    return kt_dot(t->r, t->y, t->rows * (size_t)t->c);
}

static void test_fd(int n, int hw, int c)
{
    char name[64];
    snprintf(name, sizeof name, "n%d %dx%d c%d", n, hw, hw, c);
    bn_fd t = { .rows = (size_t)n * hw * hw, .c = c };
    size_t cnt = t.rows * c;
    t.x = kt_floats(cnt), t.y = kt_floats(cnt), t.g = kt_floats(c), t.b = kt_floats(c);
    t.rm = kt_floats(c), t.rv = kt_floats(c), t.sm = kt_floats(c), t.si = kt_floats(c);
    t.r = kt_doubles(cnt);
    float *rf = kt_floats(cnt), *dx = kt_floats(cnt), *dg = kt_floats(c), *db = kt_floats(c);
    for (size_t i = 0; i < cnt; i++)
        t.x[i] = (float)(0.5 + 1.5 * kt_uniform(-1, 1));
    kt_fill(t.g, c, 0.5, 1.5);
    kt_fill(t.b, c, -1, 1);
    kt_functional(t.r, rf, cnt);
    bn_f(&t);
    rn_bn_bwd(t.x, rf, dx, t.rows, c, t.g, t.sm, t.si, dg, db, 0);
    kt_fd_check("rn_bn_bwd dx", name, bn_f, &t, t.x, dx, cnt, 1e-2f, 1e-2);
    kt_fd_check("rn_bn_bwd dgamma", name, bn_f, &t, t.g, dg, c, 1e-2f, 1e-2);
    kt_fd_check("rn_bn_bwd dbeta", name, bn_f, &t, t.b, db, c, 1e-2f, 1e-2);
    free(t.x), free(t.y), free(t.g), free(t.b), free(t.rm), free(t.rv), free(t.sm), free(t.si);
    free(t.r), free(rf), free(dx), free(dg), free(db);
}

static void test_determinism(void)
{
    const size_t rows = 4 * 24 * 24; /* more than one 1024-row chunk */
    const int c = 5;
    const size_t n = rows * c;
    float *x = kt_floats(n), *dy = kt_floats(n), *g = kt_floats(c), *b = kt_floats(c);
    kt_fill(x, n, -2, 3);
    kt_fill(dy, n, -1, 1);
    kt_fill(g, c, 0.5, 1.5);
    kt_fill(b, c, -1, 1);
    static const int threads[4] = { 2, 2, 1, 3 };
    float *out[4];
    const size_t per = 2 * n + 6 * (size_t)c;
    for (int t = 0; t < 4; t++) {
        omp_set_num_threads(threads[t]);
        float *o = out[t] = kt_floats(per);
        float *y = o, *dx = o + n, *rm = o + 2 * n, *rv = rm + c, *sm = rv + c, *si = sm + c;
        float *dg = si + c, *db = dg + c;
        for (int k = 0; k < c; k++)
            rv[k] = 1.0f;
        rn_bn_fwd_train(x, y, rows, c, g, b, rm, rv, 0.1f, 1e-5f, sm, si);
        rn_bn_bwd(x, dy, dx, rows, c, g, sm, si, dg, db, 0);
    }
    for (int t = 1; t < 4; t++) {
        char name[64];
        snprintf(name, sizeof name, "%d threads vs 2 threads, %zu rows", threads[t], rows);
        kt_require(kt_bitdiff(out[0], out[t], per) == 0, "rn_bn_fwd_train/rn_bn_bwd determinism",
                   name, "outputs differ");
    }
    for (int t = 0; t < 4; t++)
        free(out[t]);
    free(x), free(dy), free(g), free(b);
}

int main(void)
{
    kt_seed(2);
    test_hand();
    test_random(3 * 5 * 5, 6, "rows 75 c6");
    test_random(2 * 9 * 9, 3, "rows 162 c3");
    test_random(3000, 5, "rows 3000 c5 (3 chunks)");
    test_fd(3, 5, 6);
    test_fd(3, 6, 4);
    test_fd(2, 7, 5);
    test_determinism();
    return kt_finish("test_kern_bn");
}
