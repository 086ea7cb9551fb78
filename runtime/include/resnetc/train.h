/* resnetc/train.h: the training loop (forward_train, rn_softmax_xent, backward, SGD step),
 * evaluation, per-epoch logs and checkpoints, for any generated model.
 *
 * A run directory holds:
 *   checkpoint.safetensors  written atomically after every epoch (and at the last step):
 *       every model tensor under its torchvision name in PyTorch layout, the SGD momentum
 *       buffer as "momentum.<name>" (same layout), I64 tensors "train.step" (optimizer
 *       steps done), "train.epoch" (epochs begun before the step counter: step =
 *       epoch * batches_per_epoch + batch), "train.rng" ([seed, 0]: every random stream is
 *       derived from the seed, epoch and batch, see loader.h), "train.elapsed_ms", and the
 *       run's settings as __metadata__ "train.<key>" strings.
 *   weights.safetensors     the final weights, torchvision names (loadable by infer/eval).
 *   log.csv, log.jsonl      one row per epoch: epoch, step, lr, train loss/error, test
 *       loss/error (eval mode), validation loss/error when a split is used, images/s
 *       (training throughput), elapsed seconds (cumulative over resumes).
 * Determinism: the same settings, seed and thread count give bit-identical weights, and a
 * run resumed from a checkpoint ends bit-identical to an uninterrupted one.
 * Data-parallel (docs/distributed.md): started by mpirun in a build with RESNETC_MPI, each
 * of P processes trains on its shard (batch / P images) of every global batch; the gradient
 * is summed over the processes before each SGD step (one all-reduce of the flat gradient
 * buffer), so every process takes the same step. Batch norm uses per-process statistics
 * (PyTorch DDP's default) unless sync_bn. Process 0 alone prints, logs and checkpoints; at
 * the end of every epoch its parameters, momentum and BN statistics are broadcast, so all
 * processes continue from what the checkpoint holds. The settings, seed, thread count and
 * process count fix the result bit for bit.
 * Does not parse the command line (cmd_train.c) nor start the processes (mpirun).
 */
#ifndef RESNETC_TRAIN_H
#define RESNETC_TRAIN_H

#include <stdint.h>

#include "resnetc/augment.h"
#include "resnetc/loader.h"
#include "resnetc/model.h"
#include "resnetc/runtime.h"
#include "resnetc/safetensors.h"
#include "resnetc/schedule.h"
#include "resnetc/sgd.h"

typedef struct rn_train_options {
    const char *dataset;       /* "cifar10" or "fashion-mnist" */
    const char *data_dir;      /* NULL: rn_dataset_default_dir */
    int64_t epochs;            /* 0: derived from iters (or the paper schedule's 64000) */
    int64_t iters;             /* 0: epochs * batches per epoch */
    rn_sched_kind schedule;
    double lr;
    int64_t warmup;
    const char *milestones;    /* step schedule; NULL: "0.5,0.75" */
    double gamma;
    int anneal_linear;         /* onecycle */
    int batch;
    int threads;               /* 0 when resuming: the checkpoint's thread count */
    uint64_t seed;
    const char *out_dir;
    const char *resume_dir;    /* settings then come from its checkpoint */
    rn_sgd_config sgd;
    float label_smoothing;
    int zero_init_residual;
    int val_split;             /* images held out from the end of the training set; 0: none */
    rn_norm_mode norm;
    int pad;                   /* -1: data set default (4 for cifar10, 0 otherwise) */
    int flip;                  /* -1: data set default (1 for cifar10, 0 otherwise) */
    int drop_last;
    int progress;              /* -1: a progress bar when stderr is a terminal; 0 off; 1 on */
    const char *init_weights;  /* start from these weights instead of rn_weights_init */
    int64_t stop_after_epochs; /* > 0: stop (as if interrupted) after this many epochs */
    int train_limit;           /* > 0: use only the first N training images (smoke tests) */
    int test_limit;            /* > 0: evaluate only the first N test images */
    int sync_bn;               /* data-parallel: BN statistics over the global batch */
} rn_train_options;

/* A training run's settings as its checkpoint records them (the `train.*` metadata), with
 * the storage its strings point into. */
typedef struct rn_train_settings {
    rn_train_options o;
    int64_t total;  /* iterations of the run */
    int64_t images; /* training images per epoch (checked on resume) */
    char dataset[32], milestones[256], data_dir[4096];
} rn_train_settings;

/* Reads the settings of the run whose checkpoint is f into s->o, over what s->o holds, and
 * s->total and s->images. s->o.data_dir is read only where it is NULL (--data, given again,
 * wins). Returns 0, or -1 after a message naming the checkpoint and the setting. Shared by
 * `train --resume` and `eval --run`. */
int rn_train_settings_read(const rn_st_file *f, rn_train_settings *s);

/* Defaults: cifar10, schedule paper, lr 0.1, batch 128, 1 thread, seed 0, momentum 0.9,
 * weight decay 1e-4, per-channel normalization, data-set-default augmentation. */
void rn_train_defaults(rn_train_options *o);

/* Train (or resume); returns 0, 1 after a message, or 128 + signal number when SIGINT or
 * SIGTERM stopped it after saving a checkpoint at the step reached. */
int rn_train(const rn_model *m, const rn_train_options *o);

/* Eval-mode (forward_infer) pass over every batch of l (epoch 0): sum of per-image
 * cross-entropy (no smoothing), number of top-1 errors and of images; confusion (classes x
 * classes, row = true label, column = prediction) is accumulated when non-NULL. r must
 * hold batches of l's size (of its shard's part, for a sharded loader; an empty part is
 * skipped). */
void rn_evaluate(const rn_model *m, rn_run *r, rn_loader *l, double *loss_sum,
                 int64_t *errors, int64_t *count, int64_t *confusion);

/* Zero the last BN weight (gamma) of every residual block: "layerX.Y.bn3.weight" where the
 * block has one (bottleneck), else "layerX.Y.bn2.weight". Returns the tensors zeroed. */
int rn_zero_init_residual(const rn_model *m, float *params);

#endif /* RESNETC_TRAIN_H */
