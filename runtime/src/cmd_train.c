/* cmd_train.c: `<model> train [flags]`: parses the flags into rn_train_options and runs
 * rn_train (train.h); the data flags (--data, --batch, --pad, ...) are the shared table's
 * (args_data.h). With --resume RUN_DIR the run's settings come from its checkpoint;
 * only --data, --threads, --progress/--no-progress and --stop-after may be given then.
 * Started by mpirun in a build with RESNETC_MPI, the processes train one model together
 * (data-parallel, docs/distributed.md): this joins the job first and leaves it at the end.
 * Does not implement training itself (train.c). */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/dist.h"
#include "resnetc/train.h"
#include "resnetc/util.h"

#include "args_data.h"

#include <string.h>

/* Flags that may accompany --resume (the others are fixed by the checkpoint). */
static int allowed_on_resume(const char *flag, size_t len)
{
    static const char *const ok[] = {"--resume", "--data",     "--threads", "--progress",
                                     "--no-progress", "--stop-after", "--out"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == len && strncmp(flag, ok[i], len) == 0)
            return 1;
    return 0;
}

int rn_cmd_train(const rn_model *m, int argc, char **argv)
{
    rn_train_options o;
    rn_train_defaults(&o);
    rn_data_flags df;
    rn_data_flags_defaults(RN_DATA_TRAIN, &df);
    const char *schedule = "paper", *anneal = "cos";
    const char *out = NULL, *resume = NULL, *milestones = NULL, *init = NULL;
    long epochs = 0, iters = 0, seed = 0, warmup = 0, stop_after = 0;
    double lr = 0.1, wd = 1e-4, momentum = 0.9, smoothing = 0.0, gamma = 0.1;
    int nesterov = 0, no_decay_bn = 0, zero_init = 0, progress = 0, no_progress = 0,
        sync_bn = 0;
    rn_arg args[RN_DATA_ARGS(22)] = {
        {"--epochs", RN_ARG_INT, &epochs, 1, 1e9, 0, "epochs to train (or --iters)"},
        {"--iters", RN_ARG_INT, &iters, 1, 1e12, 0,
         "iterations to train (default for --schedule paper: 64000)"},
        {"--schedule", RN_ARG_STRING, &schedule, 0, 0, 0,
         "paper | step | cosine | onecycle | constant"},
        {"--lr", RN_ARG_FLOAT, &lr, 1e-12, 1e6, 0, "base (peak) learning rate"},
        {"--warmup", RN_ARG_INT, &warmup, 0, 1e12, 0,
         "warm-up iterations (paper: lr/10 constant, e.g. 400; others: linear)"},
        {"--milestones", RN_ARG_STRING, &milestones, 0, 0, 0,
         "step schedule: fractions of the run, e.g. 0.5,0.75"},
        {"--gamma", RN_ARG_FLOAT, &gamma, 0, 1, 0, "step schedule: factor at each milestone"},
        {"--anneal", RN_ARG_STRING, &anneal, 0, 0, 0, "onecycle: cos | linear"},
        {"--seed", RN_ARG_INT, &seed, 0, 9007199254740991.0, 0,
         "seed of initialization, shuffling and augmentation"},
        {"--out", RN_ARG_STRING, &out, 0, 0, 0, "run directory (created)"},
        {"--resume", RN_ARG_STRING, &resume, 0, 0, 0, "continue the run in this directory"},
        {"--momentum", RN_ARG_FLOAT, &momentum, 0, 1, 0, "SGD momentum"},
        {"--weight-decay", RN_ARG_FLOAT, &wd, 0, 1, 0, "L2 weight decay"},
        {"--nesterov", RN_ARG_FLAG, &nesterov, 0, 0, 0, "Nesterov momentum"},
        {"--no-decay-bn", RN_ARG_FLAG, &no_decay_bn, 0, 0, 0,
         "no weight decay on BN weights/biases and the FC bias"},
        {"--label-smoothing", RN_ARG_FLOAT, &smoothing, 0, 0.999, 0,
         "label smoothing of the training loss"},
        {"--zero-init-residual", RN_ARG_FLAG, &zero_init, 0, 0, 0,
         "zero the last BN weight of each residual block"},
        {"--init-weights", RN_ARG_STRING, &init, 0, 0, 0, "start from these weights"},
        {"--progress", RN_ARG_FLAG, &progress, 0, 0, 0, "progress bar even if not a terminal"},
        {"--no-progress", RN_ARG_FLAG, &no_progress, 0, 0, 0, "no progress bar"},
        {"--stop-after", RN_ARG_INT, &stop_after, 0, 1e9, 0,
         "stop after N epochs of this session, as if interrupted (tests resume)"},
        {"--sync-bn", RN_ARG_FLAG, &sync_bn, 0, 0, 0,
         "under mpirun: BN statistics over the whole batch, not each process's part"},
    };
    rn_data_args_add(RN_DATA_TRAIN, &df, args, sizeof args / sizeof args[0]);
    int rc = rn_cli_args("train", args, argc, argv);
    if (rc >= 0)
        return rc;

    int threads_given = 0;
    for (int i = 0; i < argc; i++)
        threads_given |= strncmp(argv[i], "--threads", 9) == 0 &&
                         (argv[i][9] == '\0' || argv[i][9] == '=');
    if (resume != NULL) {
        for (int i = 0; i < argc; i++) {
            if (strncmp(argv[i], "--", 2) != 0)
                continue;
            const char *eq = strchr(argv[i], '=');
            size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
            if (!allowed_on_resume(argv[i], len)) {
                rn_error("train: %.*s cannot be given with --resume: a resumed run keeps the "
                         "settings stored in its checkpoint (allowed: --data, --threads, "
                         "--progress, --no-progress, --stop-after)",
                         (int)len, argv[i]);
                return RN_EXIT_USAGE;
            }
        }
    } else if (out == NULL) {
        rn_error("train: --out RUN_DIR is required (or --resume RUN_DIR)");
        return RN_EXIT_USAGE;
    }
    if (epochs > 0 && iters > 0) {
        rn_error("train: give --epochs or --iters, not both");
        return RN_EXIT_USAGE;
    }
    if (rn_schedule_parse_kind(schedule, &o.schedule) != 0 ||
        rn_norm_parse_mode(df.norm, &o.norm) != 0)
        return RN_EXIT_USAGE;
    if (strcmp(anneal, "cos") == 0)
        o.anneal_linear = 0;
    else if (strcmp(anneal, "linear") == 0)
        o.anneal_linear = 1;
    else {
        rn_error("train: --anneal: expected cos or linear, got '%s'", anneal);
        return RN_EXIT_USAGE;
    }
    if (progress && no_progress) {
        rn_error("train: --progress and --no-progress exclude each other");
        return RN_EXIT_USAGE;
    }
    o.dataset = df.dataset;
    o.data_dir = df.dir;
    o.epochs = epochs;
    o.iters = iters;
    o.lr = lr;
    o.warmup = warmup;
    o.milestones = milestones;
    o.gamma = gamma;
    o.batch = (int)df.batch;
    /* resuming without --threads: the thread count stored in the checkpoint */
    o.threads = resume != NULL && !threads_given ? 0 : (int)df.threads;
    o.seed = (uint64_t)seed;
    o.out_dir = out;
    o.resume_dir = resume;
    o.sgd.momentum = (float)momentum;
    o.sgd.weight_decay = (float)wd;
    o.sgd.nesterov = nesterov;
    o.sgd.no_decay_bn = no_decay_bn;
    o.label_smoothing = (float)smoothing;
    o.zero_init_residual = zero_init;
    o.val_split = (int)df.val_split;
    o.pad = (int)df.pad;
    o.flip = (int)df.flip;
    o.drop_last = df.drop_last;
    o.progress = progress ? 1 : no_progress ? 0 : -1;
    o.init_weights = init;
    o.stop_after_epochs = stop_after;
    o.train_limit = (int)df.train_limit;
    o.test_limit = (int)df.test_limit;
    o.sync_bn = sync_bn;
    if (rn_dist_init() != 0)
        return RN_EXIT_ERROR;
    const int status = rn_train(m, &o);
    /* an error on one process aborts them all (the others may wait in a collective); a
     * stop by a signal is agreed by all of them and ends cleanly */
    rn_dist_finish(status == 0 || status > 128 ? 0 : RN_EXIT_ERROR);
    /* 128 + signal: stopped by SIGINT or SIGTERM after saving a checkpoint */
    return status == 0 ? RN_EXIT_OK : (status > 128 ? status : RN_EXIT_ERROR);
}
