/* kernels_conv.c: generic 2-D convolution over NHWC activations and HWIO weights
 * (resnetc/kernels.h): rn_conv_shape_resolve, rn_conv2d_fwd, rn_conv2d_bwd_data,
 * rn_conv2d_bwd_weights.
 *
 * Straight loop nests with the shapes as run-time arguments: the oracle of the tests and the
 * baseline of the benchmarks. Every innermost loop runs over a contiguous channel dimension
 * (output channels for fwd and bwd_weights, input channels for bwd_data, through a transposed
 * copy of the weights) so the compiler can vectorize it; sums are accumulated in float.
 *
 * Threading: OpenMP over output rows (fwd), input rows (bwd_data) or blocks of weight rows
 * (bwd_weights). Each output element is summed by one thread in a fixed order, so results do
 * not depend on the thread count. No bias, no dilation, no groups, no im2col/GEMM or tiling
 * tricks: those belong to the generated code.
 */
#include "resnetc/kernels.h"

#include <stdlib.h>
#include <string.h>

#include "resnetc/util.h"

int rn_conv_shape_resolve(rn_conv_shape *s)
{
    if (s->kh < 1 || s->kw < 1 || s->stride < 1 || s->pad < 0 || s->h < 1 || s->w < 1) {
        s->oh = s->ow = 0;
        return -1;
    }
    long hp = (long)s->h + 2L * s->pad, wp = (long)s->w + 2L * s->pad;
    if (hp < s->kh || wp < s->kw) {
        s->oh = s->ow = 0;
        return -1;
    }
    s->oh = (int)((hp - s->kh) / s->stride + 1);
    s->ow = (int)((wp - s->kw) / s->stride + 1);
    return 0;
}

void rn_conv2d_fwd(const rn_conv_shape *s, const float *restrict x, const float *restrict w,
                   float *restrict y)
{
    const int N = s->n, H = s->h, W = s->w, C = s->c, K = s->k;
    const int KH = s->kh, KW = s->kw, S = s->stride, P = s->pad, OH = s->oh, OW = s->ow;

#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)N * OH; row++) {
        const int b = (int)(row / OH), oy = (int)(row % OH);
        const float *restrict xb = x + (size_t)b * H * W * C;
        float *restrict yrow = y + (size_t)row * OW * K;
        for (int ox = 0; ox < OW; ox++) {
            float *restrict yp = yrow + (size_t)ox * K;
            for (int k = 0; k < K; k++)
                yp[k] = 0.0f;
            for (int i = 0; i < KH; i++) {
                const int iy = oy * S - P + i;
                if (iy < 0 || iy >= H)
                    continue;
                for (int j = 0; j < KW; j++) {
                    const int ix = ox * S - P + j;
                    if (ix < 0 || ix >= W)
                        continue;
                    const float *restrict xp = xb + ((size_t)iy * W + ix) * C;
                    const float *restrict wp = w + (size_t)(i * KW + j) * C * K;
                    for (int c = 0; c < C; c++) {
                        const float xv = xp[c];
                        const float *restrict wr = wp + (size_t)c * K;
                        for (int k = 0; k < K; k++)
                            yp[k] += xv * wr[k];
                    }
                }
            }
        }
    }
}

void rn_conv2d_bwd_data(const rn_conv_shape *s, const float *restrict dy,
                        const float *restrict w, float *restrict dx, int accumulate)
{
    const int N = s->n, H = s->h, W = s->w, C = s->c, K = s->k;
    const int KH = s->kh, KW = s->kw, S = s->stride, P = s->pad, OH = s->oh, OW = s->ow;

    /* wt[i][j][k][c]: the weights with in and out swapped, so the inner loop below runs
     * over the contiguous input channels of dx. */
    float *wt = rn_alloc((size_t)KH * KW * K * C * sizeof(float));
    for (int ij = 0; ij < KH * KW; ij++)
        for (int c = 0; c < C; c++)
            for (int k = 0; k < K; k++)
                wt[((size_t)ij * K + k) * C + c] = w[((size_t)ij * C + c) * K + k];

#pragma omp parallel
    {
        float *acc = rn_alloc((size_t)C * sizeof(float));
#pragma omp for schedule(static)
        for (long row = 0; row < (long)N * H; row++) {
            const int b = (int)(row / H), iy = (int)(row % H);
            const float *restrict dyb = dy + (size_t)b * OH * OW * K;
            for (int ix = 0; ix < W; ix++) {
                for (int c = 0; c < C; c++)
                    acc[c] = 0.0f;
                /* Output (oy, ox) reads input (iy, ix) through tap (i, j) when
                 * oy*S - P + i == iy, i.e. i = iy + P - oy*S. */
                for (int i = 0; i < KH; i++) {
                    const int ty = iy + P - i;
                    if (ty < 0 || ty % S != 0 || ty / S >= OH)
                        continue;
                    const int oy = ty / S;
                    for (int j = 0; j < KW; j++) {
                        const int tx = ix + P - j;
                        if (tx < 0 || tx % S != 0 || tx / S >= OW)
                            continue;
                        const int ox = tx / S;
                        const float *restrict g = dyb + ((size_t)oy * OW + ox) * K;
                        const float *restrict wp = wt + (size_t)(i * KW + j) * K * C;
                        for (int k = 0; k < K; k++) {
                            const float gv = g[k];
                            const float *restrict wr = wp + (size_t)k * C;
                            for (int c = 0; c < C; c++)
                                acc[c] += gv * wr[c];
                        }
                    }
                }
                float *restrict dp = dx + ((size_t)row * W + ix) * C;
                if (accumulate)
                    for (int c = 0; c < C; c++)
                        dp[c] += acc[c];
                else
                    for (int c = 0; c < C; c++)
                        dp[c] = acc[c];
            }
        }
        rn_free(acc);
    }
    rn_free(wt);
}

/* Input channels per bwd_weights task: a task owns dw[i][j][c0..c0+CB)[*] and sums it over
 * the whole batch, reading each dy pixel once for the CB rows. */
enum { CONV_BWD_W_CB = 8 };

void rn_conv2d_bwd_weights(const rn_conv_shape *s, const float *restrict x,
                           const float *restrict dy, float *restrict dw)
{
    const int N = s->n, H = s->h, W = s->w, C = s->c, K = s->k;
    const int KH = s->kh, KW = s->kw, S = s->stride, P = s->pad, OH = s->oh, OW = s->ow;
    const int CBLOCKS = (C + CONV_BWD_W_CB - 1) / CONV_BWD_W_CB;

#pragma omp parallel for schedule(static)
    for (int task = 0; task < KH * KW * CBLOCKS; task++) {
        const int ij = task / CBLOCKS, i = ij / KW, j = ij % KW;
        const int c0 = (task % CBLOCKS) * CONV_BWD_W_CB;
        const int c1 = c0 + CONV_BWD_W_CB < C ? c0 + CONV_BWD_W_CB : C;
        float *restrict dwb = dw + ((size_t)ij * C + c0) * K;
        memset(dwb, 0, (size_t)(c1 - c0) * K * sizeof(float));
        for (int b = 0; b < N; b++) {
            const float *restrict xb = x + (size_t)b * H * W * C;
            for (int oy = 0; oy < OH; oy++) {
                const int iy = oy * S - P + i;
                if (iy < 0 || iy >= H)
                    continue;
                for (int ox = 0; ox < OW; ox++) {
                    const int ix = ox * S - P + j;
                    if (ix < 0 || ix >= W)
                        continue;
                    const float *restrict xp = xb + ((size_t)iy * W + ix) * C;
                    const float *restrict g = dy + (((size_t)b * OH + oy) * OW + ox) * K;
                    for (int c = c0; c < c1; c++) {
                        const float xv = xp[c];
                        float *restrict dr = dwb + (size_t)(c - c0) * K;
                        for (int k = 0; k < K; k++)
                            dr[k] += xv * g[k];
                    }
                }
            }
        }
    }
}
