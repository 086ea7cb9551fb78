/* kernels_loss.c: mean softmax cross-entropy with optional label smoothing
 * (resnetc/kernels.h): rn_softmax_xent.
 *
 * As PyTorch's CrossEntropyLoss(label_smoothing=eps), reduction 'mean':
 *   logp  = z - max(z) - log(sum(exp(z - max(z))))        (numerically stable, in double)
 *   loss  = mean over the batch of (1-eps) * -logp[label] + eps * mean over classes of -logp
 *   dlogits = (softmax(z) - target) / n,  target = (1-eps) * onehot(label) + eps / classes.
 * The loss is summed in double; dlogits are rounded to float once. Serial (n*classes is small).
 * Not provided: class weights, ignore_index, soft-label targets, reductions other than mean.
 */
#include "resnetc/kernels.h"

#include <math.h>

float rn_softmax_xent(const float *logits, const int32_t *labels, int n, int classes,
                      float label_smoothing, float *dlogits)
{
    const double eps = (double)label_smoothing;
    double total = 0.0;
    for (int b = 0; b < n; b++) {
        const float *z = logits + (size_t)b * classes;
        const int label = labels[b];
        float zmax = z[0];
        for (int k = 1; k < classes; k++)
            if (z[k] > zmax)
                zmax = z[k];
        double sum = 0.0, sum_shifted = 0.0;
        for (int k = 0; k < classes; k++) {
            const double t = (double)z[k] - (double)zmax;
            sum += exp(t);
            sum_shifted += t;
        }
        const double lse = log(sum);
        /* -logp[k] = lse - (z[k] - zmax) */
        const double nll = lse - ((double)z[label] - (double)zmax);
        const double smooth = lse - sum_shifted / (double)classes;
        total += (1.0 - eps) * nll + eps * smooth;
        if (dlogits) {
            float *d = dlogits + (size_t)b * classes;
            for (int k = 0; k < classes; k++) {
                const double p = exp((double)z[k] - (double)zmax - lse);
                const double target = (k == label ? 1.0 - eps : 0.0) + eps / (double)classes;
                d[k] = (float)((p - target) / (double)n);
            }
        }
    }
    return (float)(total / (double)n);
}
