/* kernels_pointwise.c: generic elementwise and data-movement kernels (resnetc/kernels.h):
 * rn_relu_fwd/bwd, rn_add_fwd, rn_grad_pass, rn_shortcut_a_fwd/bwd (option A shortcut:
 * strided subsampling plus zero channel padding), rn_nchw_to_nhwc, rn_nhwc_to_nchw.
 *
 * Flat loops over the contiguous NHWC data. In-place use is allowed where kernels.h says so
 * (relu y == x, relu_bwd dx == dy, grad_pass dx == dy), so those pointers are not restrict.
 * Threading: OpenMP over elements or rows on large tensors; every output element is written
 * by exactly one thread, so results never depend on the thread count. Not provided: fused
 * add+ReLU or BN+ReLU (the generated code fuses; this does not), option B shortcuts (those are
 * a 1x1 conv and a BN).
 */
#include "resnetc/kernels.h"

#include <string.h>

/* Below this many floats a loop runs on the calling thread only. */
#define PW_PAR_MIN ((size_t)1 << 16)

void rn_relu_fwd(const float *x, float *y, size_t count)
{
#pragma omp parallel for schedule(static) if (count > PW_PAR_MIN)
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void rn_relu_bwd(const float *y, const float *dy, float *dx, size_t count, int accumulate)
{
    if (accumulate) {
#pragma omp parallel for schedule(static) if (count > PW_PAR_MIN)
        for (size_t i = 0; i < count; i++)
            dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
    } else {
#pragma omp parallel for schedule(static) if (count > PW_PAR_MIN)
        for (size_t i = 0; i < count; i++)
            dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

void rn_add_fwd(const float *a, const float *b, float *y, size_t count)
{
#pragma omp parallel for schedule(static) if (count > PW_PAR_MIN)
    for (size_t i = 0; i < count; i++)
        y[i] = a[i] + b[i];
}

void rn_grad_pass(const float *dy, float *dx, size_t count, int accumulate)
{
    if (accumulate) {
#pragma omp parallel for schedule(static) if (count > PW_PAR_MIN)
        for (size_t i = 0; i < count; i++)
            dx[i] += dy[i];
    } else if (dx != dy) {
        memmove(dx, dy, count * sizeof(float));
    }
}

void rn_shortcut_a_fwd(const rn_conv_shape *s, int pad_lo, const float *restrict x,
                       float *restrict y)
{
    const int N = s->n, H = s->h, W = s->w, C = s->c, K = s->k, S = s->stride;
    const int OH = s->oh, OW = s->ow;
#pragma omp parallel for schedule(static) if ((size_t)N * OH * OW * K > PW_PAR_MIN)
    for (long row = 0; row < (long)N * OH; row++) {
        const int b = (int)(row / OH), oy = (int)(row % OH);
        for (int ox = 0; ox < OW; ox++) {
            float *restrict yp = y + ((size_t)row * OW + ox) * K;
            const float *restrict xp = x + (((size_t)b * H + (size_t)oy * S) * W + (size_t)ox * S) * C;
            for (int k = 0; k < K; k++)
                yp[k] = 0.0f;
            for (int c = 0; c < C; c++)
                yp[pad_lo + c] = xp[c];
        }
    }
}

void rn_shortcut_a_bwd(const rn_conv_shape *s, int pad_lo, const float *restrict dy,
                       float *restrict dx, int accumulate)
{
    const int N = s->n, H = s->h, W = s->w, C = s->c, K = s->k, S = s->stride;
    const int OH = s->oh, OW = s->ow;
#pragma omp parallel for schedule(static) if ((size_t)N * H * W * C > PW_PAR_MIN)
    for (long row = 0; row < (long)N * H; row++) {
        const int b = (int)(row / H), iy = (int)(row % H);
        for (int ix = 0; ix < W; ix++) {
            float *restrict dp = dx + ((size_t)row * W + ix) * C;
            const int hit = iy % S == 0 && ix % S == 0 && iy / S < OH && ix / S < OW;
            if (hit) {
                const float *restrict g =
                    dy + (((size_t)b * OH + iy / S) * OW + ix / S) * K + pad_lo;
                if (accumulate)
                    for (int c = 0; c < C; c++)
                        dp[c] += g[c];
                else
                    for (int c = 0; c < C; c++)
                        dp[c] = g[c];
            } else if (!accumulate) {
                for (int c = 0; c < C; c++)
                    dp[c] = 0.0f;
            }
        }
    }
}

void rn_nchw_to_nhwc(const float *restrict src, float *restrict dst, int n, int c, int h, int w)
{
    const size_t hw = (size_t)h * w;
#pragma omp parallel for schedule(static) if ((size_t)n * c * hw > PW_PAR_MIN)
    for (int b = 0; b < n; b++) {
        const float *restrict sb = src + (size_t)b * c * hw;
        float *restrict db = dst + (size_t)b * c * hw;
        for (size_t p = 0; p < hw; p++)
            for (int k = 0; k < c; k++)
                db[p * c + k] = sb[(size_t)k * hw + p];
    }
}

void rn_nhwc_to_nchw(const float *restrict src, float *restrict dst, int n, int c, int h, int w)
{
    const size_t hw = (size_t)h * w;
#pragma omp parallel for schedule(static) if ((size_t)n * c * hw > PW_PAR_MIN)
    for (int b = 0; b < n; b++) {
        const float *restrict sb = src + (size_t)b * c * hw;
        float *restrict db = dst + (size_t)b * c * hw;
        for (int k = 0; k < c; k++)
            for (size_t p = 0; p < hw; p++)
                db[(size_t)k * hw + p] = sb[p * c + k];
    }
}
