/* kernels_fc.c: generic fully connected layer (resnetc/kernels.h): rn_fc_fwd, rn_fc_bwd.
 *
 * Weights [out][in] as PyTorch. Forward: one float dot product per output over the
 * contiguous input features. Backward: dw and dbias overwritten (sums over the batch in batch
 * order), dx = dy w formed per image in a scratch row (inner loop over the contiguous input
 * features) and then stored or added, so accumulate=1 gives exactly old + fresh.
 *
 * Serial: the classifier head is tiny next to the convolutions, and one thread keeps the
 * summation order fixed. Not provided: transposed weights, activations, dropout.
 */
#include "resnetc/kernels.h"

#include <string.h>

#include "resnetc/util.h"

void rn_fc_fwd(const float *restrict x, const float *restrict w, const float *restrict bias,
               float *restrict y, int n, int in, int out)
{
    for (int b = 0; b < n; b++) {
        const float *restrict xb = x + (size_t)b * in;
        for (int o = 0; o < out; o++) {
            const float *restrict wo = w + (size_t)o * in;
            float acc = 0.0f;
            for (int i = 0; i < in; i++)
                acc += xb[i] * wo[i];
            y[(size_t)b * out + o] = (bias ? bias[o] : 0.0f) + acc;
        }
    }
}

void rn_fc_bwd(const float *restrict x, const float *restrict w, const float *restrict dy,
               float *restrict dx, float *restrict dw, float *restrict dbias, int n, int in,
               int out, int accumulate)
{
    if (dw) {
        memset(dw, 0, (size_t)out * in * sizeof(float));
        for (int o = 0; o < out; o++) {
            float *restrict dwo = dw + (size_t)o * in;
            for (int b = 0; b < n; b++) {
                const float g = dy[(size_t)b * out + o];
                const float *restrict xb = x + (size_t)b * in;
                for (int i = 0; i < in; i++)
                    dwo[i] += g * xb[i];
            }
        }
    }
    if (dbias) {
        for (int o = 0; o < out; o++) {
            float acc = 0.0f;
            for (int b = 0; b < n; b++)
                acc += dy[(size_t)b * out + o];
            dbias[o] = acc;
        }
    }
    if (dx) {
        float *row = rn_alloc((size_t)in * sizeof(float));
        for (int b = 0; b < n; b++) {
            memset(row, 0, (size_t)in * sizeof(float));
            for (int o = 0; o < out; o++) {
                const float g = dy[(size_t)b * out + o];
                const float *restrict wo = w + (size_t)o * in;
                for (int i = 0; i < in; i++)
                    row[i] += g * wo[i];
            }
            float *restrict dxb = dx + (size_t)b * in;
            if (accumulate)
                for (int i = 0; i < in; i++)
                    dxb[i] += row[i];
            else
                memcpy(dxb, row, (size_t)in * sizeof(float));
        }
        rn_free(row);
    }
}
