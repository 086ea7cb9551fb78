/* kernels_loss_fast.c: rn_softmax_xent_fast / rn_softmax_xent_lanes (resnetc/kernels.h), the
 * softmax cross-entropy training uses: the loss of rn_softmax_xent (kernels_loss.c, the
 * oracle), with its exponentials and logarithms taken 8 floats at a time by SLEEF.
 *
 * Per block of up to 8 rows: each row's maximum; e = exp(z - max) over the row, 8 classes at
 * a time, kept in dlogits (or a row buffer); per-row sums of e in double; one 8-lane log of
 * the 8 sums; then loss terms (in double, as the oracle) and dlogits = (e / sum - target) / n.
 * Lanes: AVX2 (Sleef_expf8_u10, Sleef_logf8_u10, kernels_loss_avx2.c) when the CPU has AVX2
 * and FMA, else 8 calls of SLEEF's portable scalar Sleef_expf_u10 / Sleef_logf_u10. Both are
 * accurate to 1 ulp, so the two paths and the oracle agree to float rounding.
 */
#include "resnetc/kernels.h"
#include "resnetc/util.h"

#include <math.h>
#include <sleef.h>
#include <string.h>

/* 8 lanes in, 8 lanes out. */
typedef void (*lanes_fn)(const float *in, float *out);

#if defined(RESNETC_LOSS_AVX2)
void rn_loss_exp8_avx2(const float *in, float *out);
void rn_loss_log8_avx2(const float *in, float *out);
#endif

static void exp8_portable(const float *in, float *out)
{
    for (int l = 0; l < 8; l++)
        out[l] = Sleef_expf_u10(in[l]);
}

static void log8_portable(const float *in, float *out)
{
    for (int l = 0; l < 8; l++)
        out[l] = Sleef_logf_u10(in[l]);
}

int rn_lanes_available(rn_lanes lanes)
{
    switch (lanes) {
    case RN_LANES_AUTO:
    case RN_LANES_PORTABLE:
        return 1;
    case RN_LANES_AVX2:
#if defined(RESNETC_LOSS_AVX2)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return 0;
#endif
    }
    return 0;
}

const char *rn_lanes_name(rn_lanes lanes)
{
    if (lanes == RN_LANES_AUTO)
        lanes = rn_lanes_available(RN_LANES_AVX2) ? RN_LANES_AVX2 : RN_LANES_PORTABLE;
    return lanes == RN_LANES_AVX2 && rn_lanes_available(RN_LANES_AVX2) ? "avx2" : "portable";
}

float rn_softmax_xent_lanes(rn_lanes lanes, const float *logits, const int32_t *labels, int n,
                            int classes, float label_smoothing, float *dlogits)
{
    lanes_fn exp8 = exp8_portable, log8 = log8_portable;
#if defined(RESNETC_LOSS_AVX2)
    if (strcmp(rn_lanes_name(lanes), "avx2") == 0) {
        exp8 = rn_loss_exp8_avx2;
        log8 = rn_loss_log8_avx2;
    }
#else
    (void)lanes;
#endif
    const double eps = (double)label_smoothing;
    /* e of each row of the block: dlogits itself, or a buffer when the caller wants no
     * gradient (on the stack up to 1024 classes) */
    float stack[8 * 1024];
    float *heap = !dlogits && classes > 1024 ? rn_alloc(sizeof(float) * 8 * (size_t)classes) : NULL;
    float *buf = heap ? heap : stack;
    double total = 0.0;
    for (int b0 = 0; b0 < n; b0 += 8) {
        const int rows = n - b0 < 8 ? n - b0 : 8;
        float sum8[8], lse8[8], zmax8[8];
        double shifted[8];
        for (int i = 0; i < 8; i++) {
            sum8[i] = 1.0f;   /* lanes past the last row: log(1) */
            shifted[i] = 0.0;
        }
        for (int i = 0; i < rows; i++) {
            const float *z = logits + (size_t)(b0 + i) * classes;
            float *e = dlogits ? dlogits + (size_t)(b0 + i) * classes : buf + (size_t)i * classes;
            float zmax = z[0];
            for (int k = 1; k < classes; k++)
                if (z[k] > zmax)
                    zmax = z[k];
            double sum = 0.0;
            for (int k0 = 0; k0 < classes; k0 += 8) {
                const int m = classes - k0 < 8 ? classes - k0 : 8;
                float t[8], ex[8];
                for (int l = 0; l < 8; l++)
                    t[l] = l < m ? z[k0 + l] - zmax : 0.0f;
                exp8(t, ex);
                for (int l = 0; l < m; l++) {
                    e[k0 + l] = ex[l];
                    sum += (double)ex[l];
                    shifted[i] += (double)t[l];
                }
            }
            sum8[i] = (float)sum;
            zmax8[i] = zmax;
        }
        log8(sum8, lse8);
        for (int i = 0; i < rows; i++) {
            const float *z = logits + (size_t)(b0 + i) * classes;
            const int label = labels[b0 + i];
            const float zmax = zmax8[i];
            const double lse = (double)lse8[i];
            /* -logp[k] = lse - (z[k] - zmax) */
            const double nll = lse - ((double)z[label] - (double)zmax);
            const double smooth = lse - shifted[i] / (double)classes;
            total += (1.0 - eps) * nll + eps * smooth;
            if (dlogits) {
                float *d = dlogits + (size_t)(b0 + i) * classes;
                const double inv = 1.0 / (double)sum8[i];
                for (int k = 0; k < classes; k++) {
                    const double target = (k == label ? 1.0 - eps : 0.0) + eps / (double)classes;
                    d[k] = (float)(((double)d[k] * inv - target) / (double)n);
                }
            }
        }
    }
    rn_free(heap);
    return (float)(total / (double)n);
}

float rn_softmax_xent_fast(const float *logits, const int32_t *labels, int n, int classes,
                           float label_smoothing, float *dlogits)
{
    return rn_softmax_xent_lanes(RN_LANES_AUTO, logits, labels, n, classes, label_smoothing,
                                 dlogits);
}
