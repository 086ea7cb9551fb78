/* dist_serial.c: resnetc/dist.h for one process (the build without RESNETC_MPI): rank 0 of
 * 1; sums and broadcasts leave the buffers as they are. */
#include "resnetc/dist.h"

int rn_dist_init(void)
{
    return 0;
}

void rn_dist_finish(int status)
{
    (void)status;
}

int rn_dist_rank(void)
{
    return 0;
}

int rn_dist_size(void)
{
    return 1;
}

const char *rn_dist_backend(void)
{
    return "serial";
}

void rn_dist_sum_f32(float *buf, size_t n)
{
    (void)buf;
    (void)n;
}

void rn_dist_sum_f64(double *buf, size_t n)
{
    (void)buf;
    (void)n;
}

void rn_dist_bcast_f32(float *buf, size_t n)
{
    (void)buf;
    (void)n;
}

void rn_dist_bcast_i32(int *buf, size_t n)
{
    (void)buf;
    (void)n;
}

void rn_dist_reduce_cb(void *ctx, double *buf, int n)
{
    (void)ctx;
    (void)buf;
    (void)n;
}
