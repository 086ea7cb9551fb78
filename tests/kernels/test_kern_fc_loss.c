/* test_kern_fc_loss.c: the generic fully connected layer and loss (kernels_fc.c,
 * kernels_loss.c).
 *
 * Checks rn_fc_fwd/bwd against double loops written here (dx, dw, dbias; dx NULL skipped;
 * accumulate adds exactly) and by finite differences for x, w and bias; rn_softmax_xent
 * against hand-computed values (log(1 + e^-1 + e^-2), label smoothing as
 * (1-eps)*nll + eps*mean(-logp)), stability on logits around 1000 and -1000, dlogits rows
 * summing to 0 and matching (softmax - target)/n, and by finite differences of the loss with
 * and without label smoothing.
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

/* ---- fully connected ---- */

typedef struct {
    int n, in, out;
    float *x, *w, *b, *y;
    double *r;
} fc_fd;

static double fc_f(void *p)
{
    fc_fd *t = p;
    rn_fc_fwd(t->x, t->w, t->b, t->y, t->n, t->in, t->out);
    return kt_dot(t->r, t->y, (size_t)t->n * t->out);
}

static void test_fc(int n, int in, int out)
{
    char name[64];
    snprintf(name, sizeof name, "n%d in%d out%d", n, in, out);
    size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    float *x = kt_floats(nx), *w = kt_floats(nw), *b = kt_floats(out), *y = kt_floats(ny);
    float *dy = kt_floats(ny), *dx = kt_floats(nx), *dw = kt_floats(nw), *db = kt_floats(out);
    double *yr = kt_doubles(ny), *dxr = kt_doubles(nx), *dwr = kt_doubles(nw), *dbr = kt_doubles(out);
    kt_fill(x, nx, -1, 1);
    kt_fill(w, nw, -0.5, 0.5);
    kt_fill(b, out, -0.5, 0.5);
    kt_fill(dy, ny, -1, 1);
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    for (size_t i = 0; i < nw; i++)
        dw[i] = NAN;
    rn_fc_fwd(x, w, b, y, n, in, out);
    rn_fc_bwd(x, w, dy, dx, dw, db, n, in, out, 0);
    for (int bb = 0; bb < n; bb++)
        for (int o = 0; o < out; o++) {
            double s = b[o], g = dy[bb * out + o];
            for (int i = 0; i < in; i++) {
                s += (double)x[bb * in + i] * w[o * in + i];
                dxr[bb * in + i] += g * w[o * in + i];
                dwr[o * in + i] += g * x[bb * in + i];
            }
            yr[bb * out + o] = s;
            dbr[o] += g;
        }
    kt_check("rn_fc_fwd", name, kt_err(y, yr, ny), 2e-6);
    kt_check("rn_fc_bwd dx", name, kt_err(dx, dxr, nx), 2e-6);
    kt_check("rn_fc_bwd dw", name, kt_err(dw, dwr, nw), 2e-6);
    kt_check("rn_fc_bwd dbias", name, kt_err(db, dbr, out), 2e-6);

    /* dx NULL: only the parameter gradients */
    float *dw2 = kt_floats(nw), *db2 = kt_floats(out);
    rn_fc_bwd(x, w, dy, NULL, dw2, db2, n, in, out, 0);
    kt_require(kt_bitdiff(dw2, dw, nw) == 0 && kt_bitdiff(db2, db, out) == 0,
               "rn_fc_bwd dx NULL", name, "parameter gradients differ");

    float *old = kt_floats(nx), *acc = kt_floats(nx);
    kt_fill(old, nx, -2, 2);
    memcpy(acc, old, nx * sizeof(float));
    rn_fc_bwd(x, w, dy, acc, dw2, db2, n, in, out, 1);
    size_t bad = 0;
    for (size_t i = 0; i < nx; i++) {
        float want = old[i] + dx[i];
        if (memcmp(&want, &acc[i], sizeof(float)) != 0)
            bad++;
    }
    kt_require(bad == 0, "rn_fc_bwd accumulate", name, "dx != old + fresh");
    kt_require(kt_bitdiff(dw2, dw, nw) == 0, "rn_fc_bwd accumulate", name,
               "dw not overwritten");

    fc_fd t = { .n = n, .in = in, .out = out, .x = x, .w = w, .b = b, .y = y,
                .r = kt_doubles(ny) };
    float *rf = kt_floats(ny);
    kt_functional(t.r, rf, ny);
    rn_fc_bwd(x, w, rf, dx, dw, db, n, in, out, 0);
    kt_fd_check("rn_fc_bwd dx", name, fc_f, &t, x, dx, nx, 0.05f, 1e-2);
    kt_fd_check("rn_fc_bwd dw", name, fc_f, &t, w, dw, nw, 0.05f, 1e-2);
    kt_fd_check("rn_fc_bwd dbias", name, fc_f, &t, b, db, out, 0.05f, 1e-2);

    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db), free(yr);
    free(dxr), free(dwr), free(dbr), free(dw2), free(db2), free(old), free(acc), free(t.r);
    free(rf);
}

/* ---- softmax cross-entropy ---- */

static void test_xent_hand(void)
{
    /* one row, logits 1 2 3, label 2: loss = log(1 + e^-1 + e^-2) */
    const float z[3] = { 1, 2, 3 };
    const int32_t lab[1] = { 2 };
    float d[3];
    float loss = rn_softmax_xent(z, lab, 1, 3, 0.0f, d);
    const double want = log(1.0 + exp(-1.0) + exp(-2.0));
    kt_check("rn_softmax_xent", "hand 1 2 3", fabs(loss - want) / want, 1e-6);
    const double se = exp(1.0) + exp(2.0) + exp(3.0);
    const double dwant[3] = { exp(1.0) / se, exp(2.0) / se, exp(3.0) / se - 1.0 };
    kt_check("rn_softmax_xent dlogits", "hand 1 2 3", kt_err(d, dwant, 3), 1e-6);

    /* two rows, smoothing 0.1: per row 0.9*(-logp[label]) + 0.1*mean_k(-logp[k]); mean */
    const float z2[8] = { 0.5f, -1, 2, 0, 3, 1, -2, 0.25f };
    const int32_t lab2[2] = { 1, 0 };
    float d2[8];
    const double eps = 0.1;
    double total = 0, dref[8];
    for (int b = 0; b < 2; b++) {
        double s = 0;
        for (int k = 0; k < 4; k++)
            s += exp(z2[b * 4 + k]);
        double mean_nlp = 0;
        for (int k = 0; k < 4; k++) {
            double nlp = log(s) - z2[b * 4 + k];
            mean_nlp += nlp / 4;
            double target = (k == lab2[b] ? 1 - eps : 0) + eps / 4;
            dref[b * 4 + k] = (exp(z2[b * 4 + k]) / s - target) / 2;
        }
        total += (1 - eps) * (log(s) - z2[b * 4 + lab2[b]]) + eps * mean_nlp;
    }
    float l2 = rn_softmax_xent(z2, lab2, 2, 4, 0.1f, d2);
    kt_check("rn_softmax_xent", "hand smoothing 0.1", fabs(l2 - total / 2) / (total / 2), 1e-6);
    kt_check("rn_softmax_xent dlogits", "hand smoothing 0.1", kt_err(d2, dref, 8), 1e-6);
    float l3 = rn_softmax_xent(z2, lab2, 2, 4, 0.1f, NULL);
    kt_require(memcmp(&l2, &l3, sizeof l2) == 0, "rn_softmax_xent", "dlogits NULL",
               "loss differs");

    /* stability: huge logits; row sums of dlogits are 0 */
    const float big[6] = { 1000, 1001, 999, -1000, -1001, -999 };
    const int32_t lb[2] = { 1, 0 };
    float db[6];
    float lbig = rn_softmax_xent(big, lb, 2, 3, 0.0f, db);
    const double r0 = log(1 + exp(-1.0) + exp(-2.0));     /* row 0: label is the max */
    const double r1 = log(exp(-1.0) + exp(-2.0) + 1) + 1; /* row 1: label 1 below the max */
    kt_check("rn_softmax_xent", "logits +-1000", fabs(lbig - (r0 + r1) / 2), 1e-5);
    double worst = 0;
    for (int b = 0; b < 2; b++) {
        double s = 0;
        for (int k = 0; k < 3; k++)
            s += db[b * 3 + k];
        if (!(fabs(s) <= worst))
            worst = fabs(s);
    }
    kt_check("rn_softmax_xent dlogits row sum", "logits +-1000", worst, 1e-6);
}

typedef struct {
    int n, classes;
    float eps;
    float *z;
    int32_t *lab;
} xent_fd;

static double xent_f(void *p)
{
    xent_fd *t = p;
    return rn_softmax_xent(t->z, t->lab, t->n, t->classes, t->eps, NULL);
}

static void test_xent_fd(int n, int classes, float eps)
{
    char name[64];
    snprintf(name, sizeof name, "n%d classes%d smoothing %.2f", n, classes, eps);
    xent_fd t = { .n = n, .classes = classes, .eps = eps, .z = kt_floats((size_t)n * classes),
                  .lab = calloc((size_t)n, sizeof(int32_t)) };
    float *d = kt_floats((size_t)n * classes);
    kt_fill(t.z, (size_t)n * classes, -2, 2);
    for (int b = 0; b < n; b++)
        t.lab[b] = (int32_t)(b * 7 % classes);
    rn_softmax_xent(t.z, t.lab, n, classes, eps, d);
    kt_fd_check("rn_softmax_xent dlogits", name, xent_f, &t, t.z, d, (size_t)n * classes, 1e-2f,
                1e-2);
    free(t.z), free(t.lab), free(d);
}

int main(void)
{
    kt_seed(5);
    test_fc(3, 8, 5);
    test_fc(4, 64, 10);
    test_fc(2, 5, 3);
    test_xent_hand();
    test_xent_fd(3, 10, 0.0f);
    test_xent_fd(3, 10, 0.1f);
    test_xent_fd(4, 5, 0.25f);
    return kt_finish("test_kern_fc_loss");
}
