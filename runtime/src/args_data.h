/* args_data.h (private to the runtime): the data flags that `train`, `eval` and `analyze`
 * share (--data, --dataset, --norm, --val-split, --train-limit, --test-limit, --batch,
 * --threads, and train's augmentation and batching flags --pad, --flip, --drop-last), from
 * one table: names, ranges, defaults and each command's help line.
 *
 * A command declares its own flags in an rn_arg table sized RN_DATA_ARGS(n own flags), and
 * rn_data_args_add appends the data flags it takes, bound to an rn_data_flags. The data
 * flags come after the command's own in --help. What the values mean is the command's and
 * run_data.h's business: this only parses them.
 */
#ifndef RESNETC_ARGS_DATA_H
#define RESNETC_ARGS_DATA_H

#include "resnetc/args.h"
#include "resnetc/run_data.h"

#include <stddef.h>

typedef enum rn_data_cmd {
    RN_DATA_TRAIN,
    RN_DATA_EVAL,
    RN_DATA_ANALYZE,
    RN_DATA_NCMDS
} rn_data_cmd;

/* The data flags' values (RN_ARG_INT values are long, as rn_args_parse stores them). */
typedef struct rn_data_flags {
    const char *dataset;     /* --dataset: "cifar10" | "fashion-mnist" */
    const char *dir;         /* --data; NULL: the data set's default directory */
    const char *norm;        /* --norm: channel | pixel | none (rn_norm_parse_mode) */
    long val_split;          /* --val-split */
    long train_limit;        /* --train-limit */
    long test_limit;         /* --test-limit */
    long batch;              /* --batch */
    long threads;            /* --threads */
    long pad, flip;          /* --pad, --flip: train's augmentation; -1: the data set's */
    int drop_last;           /* --drop-last */
} rn_data_flags;

/* How many data flags there are (the most a command can take). */
#define RN_DATA_NFLAGS 11
/* Entries of an rn_arg table with room for n of a command's own flags, the data flags
 * and the terminator. */
#define RN_DATA_ARGS(n) ((n) + RN_DATA_NFLAGS + 1)

/* The defaults of cmd's data flags (the batch differs by command). */
void rn_data_flags_defaults(rn_data_cmd cmd, rn_data_flags *f);

/* Append the data flags cmd takes, bound to f, after the last entry of args (`size`
 * entries: the command's own flags, then zeros) and keep it terminated. A table too small
 * (RN_DATA_ARGS counted too few) is a programming error: it aborts naming the command. */
void rn_data_args_add(rn_data_cmd cmd, rn_data_flags *f, rn_arg *args, size_t size);

/* The rn_run_data options the flags give, with the normalization already parsed. */
rn_run_data_options rn_data_flags_run_data(const rn_data_flags *f, rn_norm_mode norm);

#endif /* RESNETC_ARGS_DATA_H */
