/* args_data.c: the one table of the data flags of `train`, `eval` and `analyze` (see
 * args_data.h). A flag's help line is per command: `train` sets the data settings of a run,
 * `eval` and `analyze` repeat the run's to normalize as it did. A command with no help line
 * for a flag does not take it. Does not parse (args.c) or interpret the values.
 */
#include "args_data.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct data_flag {
    const char *name;
    rn_arg_type type;
    size_t offset;                      /* of its value in rn_data_flags */
    double min, max;                    /* as in rn_arg */
    const char *help[RN_DATA_NCMDS];    /* NULL: the command does not take the flag */
} data_flag;

#define ALL_COMMANDS(text) {[RN_DATA_TRAIN] = text, [RN_DATA_EVAL] = text, [RN_DATA_ANALYZE] = text}
#define RUN_SETTING(flag) "the training run's " flag

static const data_flag data_flags[] = {
    {"--data", RN_ARG_STRING, offsetof(rn_data_flags, dir), 0, 0,
     {[RN_DATA_TRAIN] = "data directory (cifar10: the .bin files or their parent; default "
                        "$RESNETC_CIFAR10_DIR, fashion-mnist: /usr/share/datasets/fashion-mnist)",
      [RN_DATA_EVAL] = "data directory (as for train)",
      [RN_DATA_ANALYZE] = "data directory: the test set, normalized as `train` does (or "
                          "--input)"}},
    {"--dataset", RN_ARG_STRING, offsetof(rn_data_flags, dataset), 0, 0,
     ALL_COMMANDS("cifar10 | fashion-mnist")},
    {"--norm", RN_ARG_STRING, offsetof(rn_data_flags, norm), 0, 0,
     {[RN_DATA_TRAIN] = "channel (mean/std) | pixel (per-pixel mean, the paper) | none",
      [RN_DATA_EVAL] = RUN_SETTING("--norm"),
      [RN_DATA_ANALYZE] = RUN_SETTING("--norm")}},
    {"--val-split", RN_ARG_INT, offsetof(rn_data_flags, val_split), 0, 1e9,
     {[RN_DATA_TRAIN] = "hold out the last N training images as validation (e.g. 5000)",
      [RN_DATA_EVAL] = RUN_SETTING("--val-split") " (normalization statistics exclude those "
                       "images)",
      [RN_DATA_ANALYZE] = RUN_SETTING("--val-split")}},
    {"--train-limit", RN_ARG_INT, offsetof(rn_data_flags, train_limit), 0, 1e9,
     {[RN_DATA_TRAIN] = "use only the first N training images (smoke tests)",
      [RN_DATA_ANALYZE] = RUN_SETTING("--train-limit") " (normalization statistics)"}},
    {"--test-limit", RN_ARG_INT, offsetof(rn_data_flags, test_limit), 0, 1e9,
     {[RN_DATA_TRAIN] = "evaluate only the first N test images each epoch",
      [RN_DATA_ANALYZE] = "only the first N test images"}},
    {"--batch", RN_ARG_INT, offsetof(rn_data_flags, batch), 1, 65536,
     {[RN_DATA_TRAIN] = "images per batch",
      [RN_DATA_EVAL] = "images per forward pass",
      [RN_DATA_ANALYZE] = "images per forward pass (the reference executor keeps every "
                          "layer: ~17 MB an image for resnet56)"}},
    {"--threads", RN_ARG_INT, offsetof(rn_data_flags, threads), 1, 1024,
     ALL_COMMANDS("OpenMP threads")},
    {"--pad", RN_ARG_INT, offsetof(rn_data_flags, pad), -1, 64,
     {[RN_DATA_TRAIN] = "random-crop padding (-1: 4 for cifar10, 0 otherwise)"}},
    {"--flip", RN_ARG_INT, offsetof(rn_data_flags, flip), -1, 1,
     {[RN_DATA_TRAIN] = "random horizontal flip 1/0 (-1: on for cifar10)"}},
    {"--drop-last", RN_ARG_FLAG, offsetof(rn_data_flags, drop_last), 0, 0,
     {[RN_DATA_TRAIN] = "drop a last partial batch"}},
};
_Static_assert(sizeof data_flags / sizeof data_flags[0] == RN_DATA_NFLAGS,
               "RN_DATA_NFLAGS counts the rows of data_flags");

/* Images per batch: train's is the paper's 128; eval runs forward passes only, so twice
 * that; analyze's reference executor keeps every layer's output of the batch. */
static const long default_batch[RN_DATA_NCMDS] = {
    [RN_DATA_TRAIN] = 128, [RN_DATA_EVAL] = 256, [RN_DATA_ANALYZE] = 50};

void rn_data_flags_defaults(rn_data_cmd cmd, rn_data_flags *f)
{
    *f = (rn_data_flags){.dataset = "cifar10", .dir = NULL, .norm = "channel",
                         .batch = default_batch[cmd], .threads = 1, .pad = -1, .flip = -1};
}

/* A command's rn_arg table too small for its data flags: a programming error. */
static void table_too_small(rn_data_cmd cmd, size_t size)
{
    static const char *const names[RN_DATA_NCMDS] = {
        [RN_DATA_TRAIN] = "train", [RN_DATA_EVAL] = "eval", [RN_DATA_ANALYZE] = "analyze"};
    fprintf(stderr, "resnetc: %s: its flag table of %zu entries has no room for the data flags "
                    "(count its own flags in RN_DATA_ARGS)\n", names[cmd], size);
    abort();
}

void rn_data_args_add(rn_data_cmd cmd, rn_data_flags *f, rn_arg *args, size_t size)
{
    size_t n = 0;
    while (n < size && args[n].name != NULL)
        n++;
    for (int i = 0; i < RN_DATA_NFLAGS; i++) {
        const data_flag *d = &data_flags[i];
        if (d->help[cmd] == NULL)
            continue;
        if (n + 1 >= size)
            table_too_small(cmd, size);
        args[n++] = (rn_arg){d->name, d->type, (char *)f + d->offset, d->min, d->max, 0,
                             d->help[cmd]};
    }
    if (n >= size)
        table_too_small(cmd, size);
    args[n] = (rn_arg){NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL};
}

rn_run_data_options rn_data_flags_run_data(const rn_data_flags *f, rn_norm_mode norm)
{
    return (rn_run_data_options){.dataset = f->dataset, .dir = f->dir, .norm = norm,
                                 .val_split = (int)f->val_split,
                                 .train_limit = (int)f->train_limit,
                                 .test_limit = (int)f->test_limit};
}
