/* dist_mpi.c: resnetc/dist.h over MPI (built with -DRESNETC_MPI=ON; docs/distributed.md).
 * MPI_COMM_WORLD, MPI_THREAD_FUNNELED; collectives on counts above 2^30 go in pieces
 * (MPI counts are int). An MPI error aborts the job (MPI_ERRORS_ARE_FATAL, the default). */
#include "resnetc/dist.h"
#include "resnetc/util.h"

#include <mpi.h>
#include <stdlib.h>

static int joined, rank, size = 1;

/* Started by an MPI launcher (Open MPI, PMIx or MPICH's Hydra)? */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL ||
           getenv("PMI_SIZE") != NULL;
}

int rn_dist_init(void)
{
    if (joined || !launched())
        return 0;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return rn_error("mpi: MPI_Init_thread failed");
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        return rn_error("mpi: the MPI library does not provide MPI_THREAD_FUNNELED");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    joined = 1;
    return 0;
}

void rn_dist_finish(int status)
{
    if (!joined)
        return;
    joined = 0;
    if (status != 0 && size > 1)
        MPI_Abort(MPI_COMM_WORLD, status);
    MPI_Finalize();
}

int rn_dist_rank(void)
{
    return rank;
}

int rn_dist_size(void)
{
    return size;
}

const char *rn_dist_backend(void)
{
    return "mpi";
}

enum { PIECE = 1 << 30 };

static void sum(void *buf, size_t n, MPI_Datatype type, size_t elem)
{
    if (size < 2)
        return;
    for (size_t at = 0; at < n; at += PIECE) {
        int count = (int)(n - at < PIECE ? n - at : PIECE);
        MPI_Allreduce(MPI_IN_PLACE, (char *)buf + at * elem, count, type, MPI_SUM,
                      MPI_COMM_WORLD);
    }
}

static void bcast(void *buf, size_t n, MPI_Datatype type, size_t elem)
{
    if (size < 2)
        return;
    for (size_t at = 0; at < n; at += PIECE) {
        int count = (int)(n - at < PIECE ? n - at : PIECE);
        MPI_Bcast((char *)buf + at * elem, count, type, 0, MPI_COMM_WORLD);
    }
}

void rn_dist_sum_f32(float *buf, size_t n)
{
    sum(buf, n, MPI_FLOAT, sizeof(float));
}

void rn_dist_sum_f64(double *buf, size_t n)
{
    sum(buf, n, MPI_DOUBLE, sizeof(double));
}

void rn_dist_bcast_f32(float *buf, size_t n)
{
    bcast(buf, n, MPI_FLOAT, sizeof(float));
}

void rn_dist_bcast_i32(int *buf, size_t n)
{
    bcast(buf, n, MPI_INT, sizeof(int));
}

void rn_dist_reduce_cb(void *ctx, double *buf, int n)
{
    (void)ctx;
    sum(buf, (size_t)n, MPI_DOUBLE, sizeof(double));
}
