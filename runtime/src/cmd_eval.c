/* cmd_eval.c: `<model> eval --weights W [--data DIR] [--dataset cifar10|fashion-mnist]`:
 * eval-mode (running BN statistics) top-1 error and mean cross-entropy on the test set (or
 * the held-out validation images), per-class accuracy and the confusion matrix, on stdout.
 *
 * The input normalization is recomputed from the training set exactly as `train` does:
 * give the same --norm and --val-split as the training run (defaults match train's), or
 * --run RUN_DIR, which takes the data set, data directory, --norm, --val-split,
 * --train-limit and --test-limit from the run's checkpoint and the weights from RUN_DIR/weights.safetensors.
 * The data flags are the shared table's (args_data.h). Does not write files or train. */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/runtime.h"
#include "resnetc/data.h"
#include "resnetc/run_data.h"
#include "resnetc/safetensors.h"
#include "resnetc/train.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include "args_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The settings and weights of the training run in dir: its checkpoint's settings, read as
 * `train --resume` reads them (data_dir: the run's unless given), and
 * dir/weights.safetensors. */
static int read_run(const char *dir, const char *data_dir, rn_train_settings *rs,
                    char *weights, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    rn_st_file *f = rn_st_open(path);
    if (f == NULL)
        return -1;
    rn_train_defaults(&rs->o);
    rs->o.data_dir = data_dir;
    int rc = rn_train_settings_read(f, rs);
    rn_st_close(f);
    snprintf(weights, size, "%s/weights.safetensors", dir);
    return rc;
}

int rn_cmd_eval(const rn_model *m, int argc, char **argv)
{
    rn_data_flags df;
    rn_data_flags_defaults(RN_DATA_EVAL, &df);
    const char *weights = NULL, *split = "test", *run = NULL;
    rn_arg args[RN_DATA_ARGS(3)] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 0,
         "safetensors weights (PyTorch names); required without --run"},
        {"--run", RN_ARG_STRING, &run, 0, 0, 0,
         "a training run directory: its weights and its data/normalization settings"},
        {"--split", RN_ARG_STRING, &split, 0, 0, 0, "test | val (needs --val-split)"},
    };
    rn_data_args_add(RN_DATA_EVAL, &df, args, sizeof args / sizeof args[0]);
    int rc = rn_cli_args("eval", args, argc, argv);
    if (rc >= 0)
        return rc;
    rn_norm_mode mode;
    if (rn_norm_parse_mode(df.norm, &mode) != 0)
        return RN_EXIT_USAGE;
    rn_train_settings rs;
    char run_weights[4096];
    if (run != NULL) {
        if (read_run(run, df.dir, &rs, run_weights, sizeof run_weights) != 0)
            return RN_EXIT_ERROR;
        df.dataset = rs.o.dataset;
        df.dir = rs.o.data_dir;
        if (weights == NULL)
            weights = run_weights;
        mode = rs.o.norm;
        df.val_split = rs.o.val_split;
        df.train_limit = rs.o.train_limit;
        df.test_limit = rs.o.test_limit;
    }
    if (weights == NULL) {
        rn_error("eval: --weights W (or --run RUN_DIR) is required");
        return RN_EXIT_USAGE;
    }
    int use_val = 0;
    if (strcmp(split, "val") == 0)
        use_val = 1;
    else if (strcmp(split, "test") != 0) {
        rn_error("eval: --split: expected test or val, got '%s'", split);
        return RN_EXIT_USAGE;
    }
    if (use_val && df.val_split <= 0) {
        rn_error("eval: --split val needs --val-split N");
        return RN_EXIT_USAGE;
    }

    rc = RN_EXIT_ERROR;
    rn_run_data rd = {0};
    rn_loader *l = NULL;
    rn_run *r = NULL;
    int64_t *confusion = NULL;
    rn_run_data_options dopt = rn_data_flags_run_data(&df, mode);
    dopt.skip_test = use_val;
    if (rn_run_data_load(m, &dopt, &rd) != 0)
        goto done;
    const rn_dataset *d = use_val ? &rd.val : &rd.test;
    rn_loader_config ec = {(int)df.batch, 0, {0, 0}, 0, 0, 1, 0, 1};
    if (rn_loader_create(&l, d, &rd.norm, &ec) != 0)
        goto done;
    int chunk = d->n < df.batch ? d->n : (int)df.batch;
    r = rn_run_create(m, chunk, 0);
    if (r == NULL)
        goto done;
    r->threads = (int)df.threads;
    if (rn_weights_load(m, weights, r->params, r->stats) != 0)
        goto done;
    rn_run_params_changed(r);
    const int K = m->classes;
    confusion = rn_alloc((size_t)K * K * sizeof(int64_t));
    double loss_sum;
    int64_t errors, count;
    double t0 = rn_seconds();
    rn_evaluate(m, r, l, &loss_sum, &errors, &count, confusion);
    double secs = rn_seconds() - t0;

    const char *const *names = rn_dataset_class_names(df.dataset);
    printf("%s on %s %s (%lld images, %s): top-1 error %.2f%% (accuracy %.2f%%), loss %.4f, "
           "%.0f images/s\n",
           m->name, df.dataset, use_val ? "validation" : "test", (long long)count, weights,
           100.0 * errors / count, 100.0 - 100.0 * errors / count, loss_sum / count,
           count / secs);
    printf("\nper-class accuracy:\n");
    for (int c = 0; c < K; c++) {
        int64_t row = 0;
        for (int p = 0; p < K; p++)
            row += confusion[(size_t)c * K + p];
        printf("  %2d %-12s %6.2f%% (%lld/%lld)\n", c, names ? names[c] : "",
               row ? 100.0 * confusion[(size_t)c * K + c] / row : 0.0,
               (long long)confusion[(size_t)c * K + c], (long long)row);
    }
    printf("\nconfusion matrix (rows: true class, columns: predicted):\n     ");
    for (int p = 0; p < K; p++)
        printf(" %5d", p);
    printf("\n");
    for (int c = 0; c < K; c++) {
        printf("  %2d ", c);
        for (int p = 0; p < K; p++)
            printf(" %5lld", (long long)confusion[(size_t)c * K + p]);
        printf("\n");
    }
    rc = RN_EXIT_OK;
done:
    rn_free(confusion);
    rn_run_destroy(r);
    rn_loader_destroy(l);
    rn_run_data_free(&rd);
    return rc;
}
