/* loss.c: time of the training loss per call: rn_softmax_xent (double exp and log, the
 * oracle) against rn_softmax_xent_fast's portable and AVX2 lanes (SLEEF), with label
 * smoothing 0.1, on random logits in [-3, 3].
 *
 *   loss_bench [--repeats R]      (default 201; median and minimum microseconds per call)
 *
 * Cases: 128 x 10 (a CIFAR batch) and 16 x 1000 (an ImageNet batch). Single-threaded, as the
 * loss is. The AVX2 row is skipped where the CPU lacks AVX2 (rn_lanes_available).
 */
#include "resnetc/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long repeats = 201;
    if (argc == 3 && strcmp(argv[1], "--repeats") == 0) {
        char *end = NULL;
        repeats = strtol(argv[2], &end, 10);
        if (*end != '\0' || repeats < 1 || repeats > 1000000) {
            fprintf(stderr, "loss_bench: --repeats: expected an integer in [1, 1000000], got '%s'\n",
                    argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: loss_bench [--repeats R]\n");
        return 2;
    }
    static const int cases[2][2] = { { 128, 10 }, { 16, 1000 } };
    static const char *const names[3] = { "rn_softmax_xent (double)", "fast, portable lanes",
                                          "fast, avx2 lanes" };
    double *t = malloc(sizeof(double) * (size_t)repeats);
    for (int c = 0; c < 2; c++) {
        const int n = cases[c][0], k = cases[c][1];
        float *z = malloc(sizeof(float) * (size_t)n * k), *d = malloc(sizeof(float) * (size_t)n * k);
        int32_t *labels = malloc(sizeof(int32_t) * (size_t)n);
        if (!t || !z || !d || !labels) {
            fprintf(stderr, "loss_bench: out of memory\n");
            return 1;
        }
        srand(1);
        for (int i = 0; i < n * k; i++)
            z[i] = 6.0f * (float)rand() / (float)RAND_MAX - 3.0f;
        for (int i = 0; i < n; i++)
            labels[i] = i % k;
        for (int v = 0; v < 3; v++) {
            if (v == 2 && !rn_lanes_available(RN_LANES_AVX2))
                continue;
            for (long r = 0; r < repeats; r++) {
                const double t0 = now();
                if (v == 0)
                    rn_softmax_xent(z, labels, n, k, 0.1f, d);
                else
                    rn_softmax_xent_lanes(v == 1 ? RN_LANES_PORTABLE : RN_LANES_AVX2, z, labels, n,
                                          k, 0.1f, d);
                t[r] = now() - t0;
            }
            qsort(t, (size_t)repeats, sizeof(double), cmp_double);
            printf("%4d x %-4d  %-26s median %9.2f us  min %9.2f us\n", n, k, names[v],
                   1e6 * t[repeats / 2], 1e6 * t[0]);
        }
        free(z), free(d), free(labels);
    }
    free(t);
    return 0;
}
