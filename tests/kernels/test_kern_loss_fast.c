/* test_kern_loss_fast.c: rn_softmax_xent_fast / rn_softmax_xent_lanes (kernels_loss_fast.c,
 * SLEEF exp and log 8 lanes at a time) against the oracle rn_softmax_xent (kernels_loss.c,
 * double exp and log), for both lanes: AVX2 where the CPU has it (the test says when it is
 * not checked) and portable.
 *
 * Cases: batches of 1 to 19 rows (blocks of 8 and their tails), 1 to 1000 classes (chunks of
 * 8 and their tails), logits in [-3, 3], spread over [-60, 60], and around +1000 / -1000;
 * label smoothing 0, 0.1, 0.25; with and without dlogits. Errors: |loss - oracle| / max(1,
 * |oracle|) <= 1e-6 and max |dlogits - oracle| <= 1e-6 / n (dlogits are probabilities / n).
 */
#include "resnetc/kernels.h"

#include "kt_test.h"

static void check(rn_lanes lanes, int n, int classes, double lo, double hi, float eps)
{
    char name[96];
    snprintf(name, sizeof name, "%s n%d classes%d [%g, %g] eps %g", rn_lanes_name(lanes), n,
             classes, lo, hi, (double)eps);
    const size_t count = (size_t)n * classes;
    float *z = kt_floats(count), *d = kt_floats(count), *dref = kt_floats(count);
    int32_t *labels = calloc((size_t)n, sizeof(int32_t));
    kt_fill(z, count, lo, hi);
    for (int b = 0; b < n; b++)
        labels[b] = (int32_t)kt_uniform(0, classes - 1e-9);
    const float ref = rn_softmax_xent(z, labels, n, classes, eps, dref);
    const float loss = rn_softmax_xent_lanes(lanes, z, labels, n, classes, eps, d);
    const float loss_only = rn_softmax_xent_lanes(lanes, z, labels, n, classes, eps, NULL);
    const double scale = fabs((double)ref) > 1.0 ? fabs((double)ref) : 1.0;
    kt_check("rn_softmax_xent_lanes loss", name, fabs((double)loss - ref) / scale, 1e-6);
    kt_require(loss == loss_only, "rn_softmax_xent_lanes loss without dlogits", name,
               "differs from the loss with dlogits");
    double worst = 0.0;
    for (size_t i = 0; i < count; i++)
        if (fabs((double)d[i] - dref[i]) > worst)
            worst = fabs((double)d[i] - dref[i]);
    kt_check("rn_softmax_xent_lanes dlogits", name, worst * n, 1e-6);
    free(z), free(d), free(dref), free(labels);
}

int main(void)
{
    kt_seed(11);
    const rn_lanes all[] = { RN_LANES_PORTABLE, RN_LANES_AVX2 };
    if (!rn_lanes_available(RN_LANES_AVX2))
        printf("test_kern_loss_fast: no AVX2 here: only the portable lanes are checked\n");
    printf("test_kern_loss_fast: rn_softmax_xent_fast uses the %s lanes here\n",
           rn_lanes_name(RN_LANES_AUTO));
    for (int l = 0; l < 2; l++) {
        if (!rn_lanes_available(all[l]))
            continue;
        static const int ns[] = { 1, 7, 8, 9, 19 };
        static const int ks[] = { 1, 2, 7, 8, 10, 17, 100, 1000 };
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 8; j++)
                check(all[l], ns[i], ks[j], -3, 3, 0.0f);
        check(all[l], 9, 10, -60, 60, 0.0f);
        check(all[l], 9, 10, 999, 1001, 0.1f);
        check(all[l], 9, 10, -1001, -999, 0.25f);
        check(all[l], 16, 1000, -10, 10, 0.1f);
        check(all[l], 3, 1500, -5, 5, 0.0f);   /* more classes than the stack buffer */
    }
    /* the default is one of the two */
    {
        float z[20], d[20];
        int32_t labels[2] = { 3, 7 };
        kt_fill(z, 20, -2, 2);
        kt_require(rn_softmax_xent_fast(z, labels, 2, 10, 0.0f, d) ==
                       rn_softmax_xent_lanes(RN_LANES_AUTO, z, labels, 2, 10, 0.0f, d),
                   "rn_softmax_xent_fast", "n2 classes10", "differs from RN_LANES_AUTO");
    }
    return kt_finish("test_kern_loss_fast");
}
