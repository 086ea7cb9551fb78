/* resnetc/run_data.h: the data of a training run, as `train` sees it.
 *
 * The training images (the first train_limit of them, when given), less the last val_split
 * held out as validation; the test images (the first test_limit); and the input
 * normalization computed from the remaining training images. `train` builds its data here,
 * and so do `eval` and `analyze`: given a run's settings they normalize exactly as the run
 * did, because there is one code path.
 *
 * It does not batch or augment (loader.h) or read files itself (data.h).
 */
#ifndef RESNETC_RUN_DATA_H
#define RESNETC_RUN_DATA_H

#include "resnetc/augment.h"
#include "resnetc/data.h"
#include "resnetc/model.h"

typedef struct rn_run_data_options {
    const char *dataset;  /* "cifar10" | "fashion-mnist" */
    const char *dir;      /* NULL: the data set's default directory */
    rn_norm_mode norm;
    int val_split;        /* > 0: hold out the last N training images */
    int train_limit;      /* > 0: only the first N training images (before the split) */
    int test_limit;       /* > 0: only the first N test images */
    int skip_test;        /* 1: do not load the test images (evaluating on validation) */
} rn_run_data_options;

typedef struct rn_run_data {
    rn_dataset train, val, test;  /* val.n == 0 without a split; test.n == 0 with skip_test */
    rn_norm norm;                 /* from `train` as it is after the limit and the split */
} rn_run_data;

/* Load and check (the images must fit model m: shape and class count). Returns 0, or -1
 * after an error naming the file or the mismatch; d is then freed (rn_run_data_free is
 * still safe). */
int rn_run_data_load(const rn_model *m, const rn_run_data_options *o, rn_run_data *d);
void rn_run_data_free(rn_run_data *d);

#endif /* RESNETC_RUN_DATA_H */
