/* kernels_pool.c: generic pooling over NHWC activations (resnetc/kernels.h): rn_maxpool_fwd,
 * rn_maxpool_bwd, rn_gap_fwd, rn_gap_bwd.
 *
 * Max pooling pads with -inf. The window rule, the generated kernels' too
 * (templates/maxpool.c.in; tests/gen/check_maxpool.c holds them to it): scanning kh-major then
 * kw, the window's first element starts the maximum, and a later one replaces it when greater,
 * or when NaN while the maximum is not. So a NaN propagates and the first maximal element wins
 * (the first NaN, if any). The backward recomputes that arg-max from x and routes each output
 * gradient to it. PyTorch's CPU kernel agrees but for the gradient of a window holding two
 * NaNs or more, which it sends to the last one (it takes `v > max || isnan(v)`).
 * Global average pooling sums in float and divides by H*W (the backward divides the
 * gradient by H*W, as PyTorch).
 *
 * Threading: OpenMP over output rows (maxpool fwd) or images (maxpool bwd, whose windows
 * overlap inside an image; the image's gradient is formed in a per-thread scratch, then
 * stored or added), so results do not depend on the thread count. Not provided: average
 * pooling with windows, ceil mode, dilation, returned indices.
 */
#include "resnetc/kernels.h"

#include <math.h>
#include <string.h>

#include "resnetc/util.h"

/* Whether v replaces best as the maximum of a window (the window rule above). */
static inline int pool_takes(float v, float best, int first)
{
    return first || v > best || (isnan(v) && !isnan(best));
}

/* The maximum over output position (oy, ox)'s window of image xb, per channel, into best
 * (-inf for a window entirely in the padding); arg (if not NULL) gets each maximum's offset
 * in xb, or (size_t)-1 for a window entirely in the padding. Both passes scan with this, so
 * the backward routes each gradient to the element the forward took. */
static void window_max(const rn_conv_shape *s, const float *restrict xb, int oy, int ox,
                       float *restrict best, size_t *restrict arg)
{
    const int H = s->h, W = s->w, C = s->c, S = s->stride, P = s->pad;
    for (int c = 0; c < C; c++)
        best[c] = -INFINITY;
    if (arg != NULL)
        for (int c = 0; c < C; c++)
            arg[c] = (size_t)-1;
    int first = 1;
    for (int i = 0; i < s->kh; i++) {
        const int iy = oy * S - P + i;
        if (iy < 0 || iy >= H)
            continue;
        for (int j = 0; j < s->kw; j++) {
            const int ix = ox * S - P + j;
            if (ix < 0 || ix >= W)
                continue;
            const size_t at = ((size_t)iy * W + ix) * C;
            for (int c = 0; c < C; c++) {
                const float v = xb[at + c];
                if (pool_takes(v, best[c], first)) {
                    best[c] = v;
                    if (arg != NULL)
                        arg[c] = at + c;
                }
            }
            first = 0;
        }
    }
}

void rn_maxpool_fwd(const rn_conv_shape *s, const float *restrict x, float *restrict y)
{
    const int N = s->n, OH = s->oh, OW = s->ow, C = s->c;
    const size_t img = (size_t)s->h * s->w * C;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)N * OH; row++) {
        const int b = (int)(row / OH), oy = (int)(row % OH);
        for (int ox = 0; ox < OW; ox++)
            window_max(s, x + (size_t)b * img, oy, ox, y + ((size_t)row * OW + ox) * C, NULL);
    }
}

void rn_maxpool_bwd(const rn_conv_shape *s, const float *restrict x, const float *restrict dy,
                    float *restrict dx, int accumulate)
{
    const int N = s->n, OH = s->oh, OW = s->ow, C = s->c;
    const size_t img = (size_t)s->h * s->w * C;
#pragma omp parallel
    {
        float *g = rn_alloc(img * sizeof(float));   /* this image's input gradient */
        float *best = rn_alloc((size_t)C * sizeof(float));
        size_t *arg = rn_alloc((size_t)C * sizeof(size_t));
#pragma omp for schedule(static)
        for (int b = 0; b < N; b++) {
            const float *restrict dyb = dy + (size_t)b * OH * OW * C;
            memset(g, 0, img * sizeof(float));
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    window_max(s, x + (size_t)b * img, oy, ox, best, arg);
                    const float *restrict gp = dyb + ((size_t)oy * OW + ox) * C;
                    for (int c = 0; c < C; c++)
                        if (arg[c] != (size_t)-1)
                            g[arg[c]] += gp[c];
                }
            float *restrict dxb = dx + (size_t)b * img;
            if (accumulate)
                for (size_t e = 0; e < img; e++)
                    dxb[e] += g[e];
            else
                memcpy(dxb, g, img * sizeof(float));
        }
        rn_free(g);
        rn_free(best);
        rn_free(arg);
    }
}

void rn_gap_fwd(const float *restrict x, float *restrict y, int n, int hw, int c)
{
    const float div = (float)hw;
    for (int b = 0; b < n; b++) {
        const float *restrict xb = x + (size_t)b * hw * c;
        float *restrict yb = y + (size_t)b * c;
        for (int k = 0; k < c; k++)
            yb[k] = 0.0f;
        for (int p = 0; p < hw; p++)
            for (int k = 0; k < c; k++)
                yb[k] += xb[(size_t)p * c + k];
        for (int k = 0; k < c; k++)
            yb[k] /= div;
    }
}

void rn_gap_bwd(const float *restrict dy, float *restrict dx, int n, int hw, int c,
                int accumulate)
{
    const float div = (float)hw;
    for (int b = 0; b < n; b++) {
        const float *restrict gb = dy + (size_t)b * c;
        float *restrict dxb = dx + (size_t)b * hw * c;
        for (int p = 0; p < hw; p++) {
            float *restrict dp = dxb + (size_t)p * c;
            if (accumulate)
                for (int k = 0; k < c; k++)
                    dp[k] += gb[k] / div;
            else
                for (int k = 0; k < c; k++)
                    dp[k] = gb[k] / div;
        }
    }
}
