/* allreduce_bench.c: milliseconds per gradient all-reduce (rn_dist_sum_f32) between the
 * processes of an MPI job; a measuring tool, not a test (built with RESNETC_MPI).
 *
 *   mpirun -np P build/bin/dist_allreduce_bench [FLOATS (269722: ResNet-20)] [REPEATS (50)]
 */
#include "resnetc/dist.h"
#include "resnetc/util.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 269722;
    const int reps = argc > 2 ? atoi(argv[2]) : 50;
    if (n == 0 || reps < 1) {
        fprintf(stderr, "usage: dist_allreduce_bench [FLOATS >= 1] [REPEATS >= 1]\n");
        return 2;
    }
    if (rn_dist_init() != 0)
        return 1;
    float *b = rn_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        b[i] = 0.0f;
    rn_dist_sum_f32(b, n); /* warm-up: connections, buffers */
    const double t0 = rn_seconds();
    for (int i = 0; i < reps; i++)
        rn_dist_sum_f32(b, n);
    const double t = (rn_seconds() - t0) / reps;
    if (rn_dist_rank() == 0)
        printf("%zu floats (%.2f MB), %d processes: %.3f ms per all-reduce (mean of %d)\n", n,
               (double)n * 4 / 1e6, rn_dist_size(), t * 1e3, reps);
    rn_free(b);
    rn_dist_finish(0);
    return 0;
}
