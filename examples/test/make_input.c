/* examples/test/make_input.c: writes a seeded float32 batch N x C x H x W as .npy, the input
 * the example tests classify. Values are uniform in [-2, 2) from a 64-bit LCG (Knuth's
 * MMIX constants), so the file depends on the arguments alone.
 * usage: make_input OUT.npy N C H W SEED */
#include "resnetc/npy.h"
#include "resnetc/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: make_input OUT.npy N C H W SEED\n");
        return 2;
    }
    int64_t shape[4];
    for (int i = 0; i < 4; i++) {
        shape[i] = strtoll(argv[2 + i], NULL, 10);
        if (shape[i] < 1 || shape[i] > 4096) {
            fprintf(stderr, "make_input: bad dimension '%s'\n", argv[2 + i]);
            return 2;
        }
    }
    uint64_t s = strtoull(argv[6], NULL, 10) * 2654435761u + 1;
    size_t count = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    float *x = rn_alloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        x[i] = (float)((double)(s >> 40) / (double)(1u << 24) * 4.0 - 2.0);
    }
    int rc = rn_npy_write_f32(argv[1], x, 4, shape) == 0 ? 0 : 1;
    rn_free(x);
    return rc;
}
