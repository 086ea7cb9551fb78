/* resnetc/loader.h: batches of normalized float32 NCHW images, prepared on a background
 * pthread with double buffering so the model does not wait for its input.
 *
 * Determinism: what a batch holds depends only on (seed, epoch, batch index) and the data,
 * never on timing or on the thread that prepared it:
 *   - the epoch's order is a Fisher-Yates shuffle (i = n-1 .. 1, j = rn_rng_below(i+1))
 *     driven by rn_rng_seed(seed, stream = epoch << 24 | 0xFFFFFF); no shuffle: in order;
 *   - batch b of epoch e draws its crops and flips, image by image in batch order, from
 *     rn_rng_seed(seed, stream = e << 24 | b) (so at most 2^24 - 1 batches an epoch).
 * A training run can therefore resume at any epoch and batch and see exactly the batches
 * an uninterrupted run would have seen.
 *
 * The last batch of an epoch holds the remaining images (n % batch of them) unless
 * drop_last is set, as PyTorch's DataLoader does.
 *
 * Shards (data-parallel training, docs/distributed.md): with shards = P > 1, the loader of
 * shard s hands out only images [floor(n*s/P), floor(n*(s+1)/P)) of every batch of n, the
 * batch being exactly the one a single loader would build (same order, and each image's
 * crop and flip drawn as for the whole batch), so P shards together see what one loader
 * sees. `n` is then the shard's part and `total` the whole batch's size.
 * Does not load files (data.h) or compute the normalization (augment.h).
 */
#ifndef RESNETC_LOADER_H
#define RESNETC_LOADER_H

#include <stdint.h>

#include "resnetc/augment.h"
#include "resnetc/data.h"

typedef struct rn_loader_config {
    int batch;           /* images per batch (>= 1) */
    int shuffle;         /* 1: a new permutation each epoch */
    rn_augment augment;  /* {0, 0}: none (evaluation) */
    int drop_last;       /* 1: drop a last partial batch */
    uint64_t seed;
    int threaded;        /* 1: prepare batches on a background thread; 0: in rn_loader_next */
    int shard, shards;   /* this loader's part of every batch; shards <= 1: the whole batch */
} rn_loader_config;

typedef struct rn_batch {
    int n;               /* images in this batch (the last one may be smaller); with shards,
                            in this shard's part of it (may be 0 for a short last batch) */
    int total;           /* images in the whole batch (n without shards) */
    int64_t epoch;
    int index;           /* batch index within the epoch */
    float *x;            /* n * c * h * w, NCHW */
    int32_t *labels;     /* n */
} rn_batch;

typedef struct rn_loader rn_loader;

/* Create a loader over d (which, like nm, must outlive it). Returns 0 or -1. */
int rn_loader_create(rn_loader **out, const rn_dataset *d, const rn_norm *nm,
                     const rn_loader_config *cfg);
/* Batches per epoch. */
int rn_loader_batches(const rn_loader *l);
/* Begin epoch `epoch` at batch `first` (0 normally; > 0 to resume mid-epoch). Batches
 * still being prepared for a previous epoch are discarded. */
void rn_loader_start_epoch(rn_loader *l, int64_t epoch, int first);
/* The next batch of the current epoch, or NULL at its end. The batch stays valid until the
 * next call of rn_loader_next, rn_loader_start_epoch or rn_loader_destroy. */
const rn_batch *rn_loader_next(rn_loader *l);
/* Seconds rn_loader_next spent waiting for the background thread, in total. */
double rn_loader_wait_seconds(const rn_loader *l);
void rn_loader_destroy(rn_loader *l);

#endif /* RESNETC_LOADER_H */
