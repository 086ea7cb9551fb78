/* kernels_bn.c: generic batch normalization over a [rows][C] view of NHWC data
 * (resnetc/kernels.h): rn_bn_fwd_train, rn_bn_fwd_eval, rn_bn_bwd.
 *
 * Training forward follows PyTorch: batch mean and biased variance normalize, the running
 * estimates take (1-m)*running + m*batch with the unbiased variance (rows/(rows-1); with a
 * single row the biased one, where PyTorch refuses), and the batch mean and
 * 1/sqrt(var + eps) are saved for the backward. The per-channel sums (mean, variance,
 * sum(dy), sum(dy*xhat)) are accumulated in double, two passes for the variance. The
 * elementwise parts are float, with the inner loop over the contiguous channels.
 *
 * Threading: the rows are cut into fixed chunks of BN_CHUNK rows whose partial sums are added
 * in chunk order, so results do not depend on the thread count. Not provided: affine-free BN,
 * cumulative-average momentum, fused ReLU (the generated code fuses; this does not).
 */
#include "resnetc/kernels.h"

#include <math.h>
#include <stdlib.h>

#include "resnetc/util.h"

enum { BN_CHUNK = 1024 };

/* sum[c] = sum over rows of x[r][c] - shift[c] (shift NULL: 0); squares: sum of squares of
 * that difference instead. Chunked partials in double, added in chunk order. */
static void channel_sums(const float *restrict x, size_t rows, int c,
                         const double *restrict shift, int squares, double *restrict sum)
{
    const size_t chunks = (rows + BN_CHUNK - 1) / BN_CHUNK;
    double *part = rn_alloc((chunks ? chunks : 1) * (size_t)c * sizeof(double));
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (size_t ch = 0; ch < chunks; ch++) {
        double *restrict p = part + ch * (size_t)c;
        const size_t r1 = (ch + 1) * BN_CHUNK < rows ? (ch + 1) * BN_CHUNK : rows;
        for (size_t r = ch * BN_CHUNK; r < r1; r++) {
            const float *restrict xr = x + r * (size_t)c;
            if (squares) {
                for (int k = 0; k < c; k++) {
                    const double d = (double)xr[k] - shift[k];
                    p[k] += d * d;
                }
            } else {
                for (int k = 0; k < c; k++)
                    p[k] += (double)xr[k];
            }
        }
    }
    for (int k = 0; k < c; k++)
        sum[k] = 0.0;
    for (size_t ch = 0; ch < chunks; ch++)
        for (int k = 0; k < c; k++)
            sum[k] += part[ch * (size_t)c + k];
    rn_free(part);
}

/* y = x * scale + shift per channel. */
static void affine(const float *x, float *y, size_t rows, int c, const float *restrict scale,
                   const float *restrict shift)
{
#pragma omp parallel for schedule(static) if (rows * (size_t)c > 65536)
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * (size_t)c; /* y may equal x */
        float *yr = y + r * (size_t)c;
        for (int k = 0; k < c; k++)
            yr[k] = xr[k] * scale[k] + shift[k];
    }
}

void rn_bn_fwd_train(const float *x, float *y, size_t rows, int c, const float *gamma,
                     const float *beta, float *running_mean, float *running_var,
                     float momentum, float eps, float *save_mean, float *save_invstd)
{
    double *mean = rn_alloc((size_t)c * sizeof(double));
    double *var = rn_alloc((size_t)c * sizeof(double));
    float *scale = rn_alloc((size_t)c * sizeof(float));
    float *shift = rn_alloc((size_t)c * sizeof(float));

    channel_sums(x, rows, c, NULL, 0, mean);
    for (int k = 0; k < c; k++)
        mean[k] /= (double)rows;
    channel_sums(x, rows, c, mean, 1, var);
    for (int k = 0; k < c; k++) {
        var[k] /= (double)rows;
        const float m = (float)mean[k];
        const float invstd = (float)(1.0 / sqrt(var[k] + (double)eps));
        scale[k] = gamma[k] * invstd;
        shift[k] = beta[k] - m * scale[k];
        if (save_mean)
            save_mean[k] = m;
        if (save_invstd)
            save_invstd[k] = invstd;
        const double unbiased = rows > 1 ? var[k] * (double)rows / (double)(rows - 1) : var[k];
        if (running_mean)
            running_mean[k] = (1.0f - momentum) * running_mean[k] + momentum * m;
        if (running_var)
            running_var[k] = (1.0f - momentum) * running_var[k] + momentum * (float)unbiased;
    }
    affine(x, y, rows, c, scale, shift);

    rn_free(mean);
    rn_free(var);
    rn_free(scale);
    rn_free(shift);
}

void rn_bn_fwd_eval(const float *x, float *y, size_t rows, int c, const float *gamma,
                    const float *beta, const float *running_mean, const float *running_var,
                    float eps)
{
    float *scale = rn_alloc((size_t)c * sizeof(float));
    float *shift = rn_alloc((size_t)c * sizeof(float));
    for (int k = 0; k < c; k++) {
        const float invstd = (float)(1.0 / sqrt((double)running_var[k] + (double)eps));
        scale[k] = gamma[k] * invstd;
        shift[k] = beta[k] - running_mean[k] * scale[k];
    }
    affine(x, y, rows, c, scale, shift);
    rn_free(scale);
    rn_free(shift);
}

void rn_bn_bwd(const float *x, const float *dy, float *dx, size_t rows, int c,
               const float *gamma, const float *save_mean, const float *save_invstd,
               float *dgamma, float *dbeta, int accumulate)
{
    const size_t chunks = (rows + BN_CHUNK - 1) / BN_CHUNK;
    double *part = rn_alloc((chunks ? chunks : 1) * 2 * (size_t)c * sizeof(double));

    /* Per chunk: sum(dy) and sum(dy * xhat), xhat = (x - mean) * invstd. */
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (size_t ch = 0; ch < chunks; ch++) {
        double *restrict sdy = part + ch * 2 * (size_t)c, *restrict sdyx = sdy + c;
        const size_t r1 = (ch + 1) * BN_CHUNK < rows ? (ch + 1) * BN_CHUNK : rows;
        for (size_t r = ch * BN_CHUNK; r < r1; r++) {
            const float *restrict xr = x + r * (size_t)c, *restrict gr = dy + r * (size_t)c;
            for (int k = 0; k < c; k++) {
                const float xhat = (xr[k] - save_mean[k]) * save_invstd[k];
                sdy[k] += (double)gr[k];
                sdyx[k] += (double)gr[k] * (double)xhat;
            }
        }
    }
    double *sum_dy = rn_alloc(2 * (size_t)c * sizeof(double)), *sum_dyx = sum_dy + c;
    for (size_t ch = 0; ch < chunks; ch++)
        for (int k = 0; k < c; k++) {
            sum_dy[k] += part[ch * 2 * (size_t)c + k];
            sum_dyx[k] += part[ch * 2 * (size_t)c + c + k];
        }
    rn_free(part);

    /* dx = gamma*invstd/rows * (rows*dy - sum(dy) - xhat*sum(dy*xhat))
     *    = a*dy - b - xhat*d   with a = gamma*invstd, b = a*mean(dy), d = a*mean(dy*xhat). */
    float *coef = rn_alloc(3 * (size_t)c * sizeof(float));
    float *a = coef, *bb = coef + c, *d = coef + 2 * c;
    for (int k = 0; k < c; k++) {
        if (dgamma)
            dgamma[k] = (float)sum_dyx[k];
        if (dbeta)
            dbeta[k] = (float)sum_dy[k];
        const double ak = (double)gamma[k] * (double)save_invstd[k];
        a[k] = (float)ak;
        bb[k] = (float)(ak * sum_dy[k] / (double)rows);
        d[k] = (float)(ak * sum_dyx[k] / (double)rows);
    }
    rn_free(sum_dy);

    if (dx) {
#pragma omp parallel for schedule(static) if (rows * (size_t)c > 65536)
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * (size_t)c, *gr = dy + r * (size_t)c;
            float *dr = dx + r * (size_t)c; /* may equal dy */
            for (int k = 0; k < c; k++) {
                const float xhat = (xr[k] - save_mean[k]) * save_invstd[k];
                const float v = a[k] * gr[k] - bb[k] - xhat * d[k];
                dr[k] = accumulate ? dr[k] + v : v;
            }
        }
    }
    rn_free(coef);
}
