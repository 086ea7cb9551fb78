/* resnetc/dist.h: the few collective operations data-parallel training needs, over the
 * processes of one job (docs/distributed.md).
 *
 * Two implementations with this one interface, chosen at configure time:
 *   dist_serial.c  (default)          one process: rank 0 of 1, every collective a no-op;
 *   dist_mpi.c     (-DRESNETC_MPI=ON)  MPI: the processes started by mpirun.
 * The MPI one joins MPI only when the process was started by an MPI launcher (Open MPI's
 * OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK or Hydra's PMI_SIZE in the environment); run
 * directly, the same binary is a single process and needs no MPI daemon.
 *
 * Only the thread that called rn_dist_init calls the collectives (MPI_THREAD_FUNNELED):
 * the training loop, and thread 0 of a generated kernel's OpenMP region (which is that
 * thread) for synchronized batch norm.
 * Every collective is called by all ranks in the same order; a failure aborts the job
 * (an MPI error cannot be recovered from), so they return nothing.
 * Does not decide what to communicate (train.c) nor shard the data (loader.c).
 */
#ifndef RESNETC_DIST_H
#define RESNETC_DIST_H

#include <stddef.h>

/* Join the job (if launched by an MPI launcher). Idempotent. Returns 0 or -1 after a
 * message. */
int rn_dist_init(void);
/* Leave the job: status 0 ends cleanly; any other status aborts every rank with it (a
 * rank that stops with an error would leave the others blocked in a collective). */
void rn_dist_finish(int status);
int rn_dist_rank(void);   /* 0 .. size-1; 0 before init */
int rn_dist_size(void);   /* processes in the job; 1 before init or without MPI */
/* What the build provides: "serial" or "mpi". */
const char *rn_dist_backend(void);

/* Element-wise sums over all ranks, in place; every rank receives the same result. */
void rn_dist_sum_f32(float *buf, size_t n);
void rn_dist_sum_f64(double *buf, size_t n);
/* Rank 0's buf replaces every other rank's. */
void rn_dist_bcast_f32(float *buf, size_t n);
void rn_dist_bcast_i32(int *buf, size_t n);

/* rn_reduce_fn adaptor (model.h): ctx unused; sums buf over all ranks. */
void rn_dist_reduce_cb(void *ctx, double *buf, int n);

#endif /* RESNETC_DIST_H */
