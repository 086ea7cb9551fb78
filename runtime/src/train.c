/* train.c: the training loop, evaluation, logs and checkpoints (see resnetc/train.h).
 *
 * One optimizer step: lr = schedule(step); forward_train(x) -> logits;
 * rn_softmax_xent_fast(logits, labels, smoothing) -> loss, dlogits; backward(dlogits) -> grads;
 * rn_sgd_step(params, grads, lr). The data order and augmentation of every batch come from
 * (seed, epoch, batch) alone (loader.h), the optimizer state is saved exactly, so a resumed
 * run repeats the uninterrupted one bit for bit.
 * Data-parallel (train.h, docs/distributed.md): each process runs this loop on its shard
 * of every batch; the gradient sum, the batch's loss and error counts and the stop flag
 * are all-reduced every step, the evaluation sums at every epoch's end.
 * rn_train is the one way in and out: it installs the SIGINT/SIGTERM handlers, runs the
 * session (train_settings, train_prepare and train_start set up or resume it; train_epoch,
 * drawing train_progress, runs one epoch's steps; train_evaluate_log_checkpoint ends each
 * epoch; train_stopped checkpoints a run a signal stopped) and, whatever ended it, puts the
 * caller's handlers back and frees the session (train_close).
 * Does not parse flags (cmd_train.c) or evaluate saved weights from the command line
 * (cmd_eval.c).
 */
#include "resnetc/train.h"
#include "resnetc/run_data.h"
#include "resnetc/dist.h"
#include "resnetc/kernels.h"
#include "resnetc/safetensors.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rn_train_defaults(rn_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->dataset = "cifar10";
    o->schedule = RN_SCHED_PAPER;
    o->lr = 0.1;
    o->gamma = 0.1;
    o->batch = 128;
    o->threads = 1;
    o->sgd = rn_sgd_defaults();
    o->norm = RN_NORM_CHANNEL;
    o->pad = -1;
    o->flip = -1;
    o->progress = -1;
}

/* ---- tensors ------------------------------------------------------------------------ */

static int is_param(rn_role role)
{
    return role != RN_BN_MEAN && role != RN_BN_VAR;
}

int rn_zero_init_residual(const rn_model *m, float *params)
{
    int zeroed = 0;
    for (int t = 0; t < m->n_tensors; t++) {
        const rn_tensor_info *ti = &m->tensors[t];
        int x, y, len = 0;
        if (ti->role != RN_BN_WEIGHT || sscanf(ti->name, "layer%d.%d.%n", &x, &y, &len) != 2 ||
            len == 0)
            continue;
        const char *rest = ti->name + len;
        int hit = 0;
        if (strcmp(rest, "bn3.weight") == 0) {
            hit = 1;
        } else if (strcmp(rest, "bn2.weight") == 0) {
            /* basic block unless the same block has a bn3 */
            char bn3[256];
            snprintf(bn3, sizeof bn3, "%.*sbn3.weight", len, ti->name);
            hit = 1;
            for (int u = 0; u < m->n_tensors; u++)
                if (strcmp(m->tensors[u].name, bn3) == 0)
                    hit = 0;
        }
        if (hit) {
            memset(params + ti->offset, 0, ti->count * sizeof(float));
            zeroed++;
        }
    }
    return zeroed;
}

/* ---- evaluation --------------------------------------------------------------------- */

static int argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

void rn_evaluate(const rn_model *m, rn_run *r, rn_loader *l, double *loss_sum,
                 int64_t *errors, int64_t *count, int64_t *confusion)
{
    const int K = m->classes;
    float *logits = rn_alloc((size_t)r->n * K * sizeof(float));
    int cap = r->n;
    *loss_sum = 0;
    *errors = 0;
    *count = 0;
    rn_loader_start_epoch(l, 0, 0);
    const rn_batch *b;
    while ((b = rn_loader_next(l)) != NULL) {
        if (b->n > cap)
            break; /* cannot happen: the caller sized r for the loader */
        if (b->n == 0)
            continue; /* a shard's empty part of a short last batch */
        r->n = b->n;
        m->forward_infer(r, b->x, logits);
        for (int i = 0; i < b->n; i++) {
            const float *z = logits + (size_t)i * K;
            *loss_sum += rn_softmax_xent_fast(z, b->labels + i, 1, K, 0.0f, NULL);
            int p = argmax(z, K);
            *errors += p != b->labels[i];
            if (confusion != NULL)
                confusion[(size_t)b->labels[i] * K + p]++;
        }
        *count += b->n;
    }
    r->n = cap;
    rn_free(logits);
}

/* ---- settings in checkpoint metadata ------------------------------------------------ */

static int meta_put(rn_st_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int meta_put(rn_st_writer *w, const char *key, const char *fmt, ...)
{
    char k[64], v[512];
    snprintf(k, sizeof k, "train.%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    return rn_st_writer_metadata(w, k, v);
}

static int put_settings(rn_st_writer *w, const rn_train_settings *s)
{
    const rn_train_options *o = &s->o;
    int rc = 0;
    rc |= meta_put(w, "dataset", "%s", o->dataset);
    rc |= meta_put(w, "data_dir", "%s", o->data_dir ? o->data_dir : "");
    rc |= meta_put(w, "total_iters", "%lld", (long long)s->total);
    rc |= meta_put(w, "train_images", "%lld", (long long)s->images);
    rc |= meta_put(w, "schedule", "%s", rn_schedule_kind_name(o->schedule));
    rc |= meta_put(w, "lr", "%.17g", o->lr);
    rc |= meta_put(w, "warmup", "%lld", (long long)o->warmup);
    rc |= meta_put(w, "milestones", "%s", o->milestones ? o->milestones : "");
    rc |= meta_put(w, "gamma", "%.17g", o->gamma);
    rc |= meta_put(w, "anneal_linear", "%d", o->anneal_linear);
    rc |= meta_put(w, "batch", "%d", o->batch);
    rc |= meta_put(w, "seed", "%llu", (unsigned long long)o->seed);
    rc |= meta_put(w, "momentum", "%.17g", (double)o->sgd.momentum);
    rc |= meta_put(w, "weight_decay", "%.17g", (double)o->sgd.weight_decay);
    rc |= meta_put(w, "dampening", "%.17g", (double)o->sgd.dampening);
    rc |= meta_put(w, "nesterov", "%d", o->sgd.nesterov);
    rc |= meta_put(w, "no_decay_bn", "%d", o->sgd.no_decay_bn);
    rc |= meta_put(w, "label_smoothing", "%.17g", (double)o->label_smoothing);
    rc |= meta_put(w, "zero_init_residual", "%d", o->zero_init_residual);
    rc |= meta_put(w, "val_split", "%d", o->val_split);
    rc |= meta_put(w, "norm", "%d", (int)o->norm);
    rc |= meta_put(w, "pad", "%d", o->pad);
    rc |= meta_put(w, "flip", "%d", o->flip);
    rc |= meta_put(w, "drop_last", "%d", o->drop_last);
    rc |= meta_put(w, "threads", "%d", o->threads);
    rc |= meta_put(w, "train_limit", "%d", o->train_limit);
    rc |= meta_put(w, "test_limit", "%d", o->test_limit);
    rc |= meta_put(w, "sync_bn", "%d", o->sync_bn);
    rc |= meta_put(w, "processes", "%d", rn_dist_size()); /* informative: any count resumes */
    return rc ? -1 : 0;
}

static const char *meta_get(const rn_st_file *f, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "train.%s", key);
    const char *v = rn_st_metadata(f, k);
    if (v == NULL)
        rn_error("%s: checkpoint lacks the setting %s", rn_st_path(f), k);
    return v;
}

static int get_i64(const rn_st_file *f, const char *key, long long *out)
{
    const char *v = meta_get(f, key);
    char *end;
    if (v == NULL)
        return -1;
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0)
        return rn_error("%s: checkpoint setting train.%s: not an integer: '%s'",
                        rn_st_path(f), key, v);
    return 0;
}

static int get_f64(const rn_st_file *f, const char *key, double *out)
{
    const char *v = meta_get(f, key);
    char *end;
    if (v == NULL)
        return -1;
    *out = strtod(v, &end);
    if (end == v || *end != '\0')
        return rn_error("%s: checkpoint setting train.%s: not a number: '%s'", rn_st_path(f),
                        key, v);
    return 0;
}

int rn_train_settings_read(const rn_st_file *f, rn_train_settings *s)
{
    rn_train_options *o = &s->o;
    long long i;
    double d;
    const char *v;
    if ((v = meta_get(f, "dataset")) == NULL)
        return -1;
    snprintf(s->dataset, sizeof s->dataset, "%s", v);
    o->dataset = s->dataset;
    /* the data directory of the run, unless --data is given again */
    if (o->data_dir == NULL && (v = rn_st_metadata(f, "train.data_dir")) != NULL && v[0]) {
        snprintf(s->data_dir, sizeof s->data_dir, "%s", v);
        o->data_dir = s->data_dir;
    }
    if ((v = meta_get(f, "milestones")) == NULL)
        return -1;
    snprintf(s->milestones, sizeof s->milestones, "%s", v);
    o->milestones = s->milestones[0] ? s->milestones : NULL;
    if ((v = meta_get(f, "schedule")) == NULL || rn_schedule_parse_kind(v, &o->schedule) != 0)
        return -1;
#define GI(key, dst, type)                                                                 \
    do {                                                                                   \
        if (get_i64(f, key, &i) != 0)                                                      \
            return -1;                                                                     \
        dst = (type)i;                                                                     \
    } while (0)
#define GF(key, dst, type)                                                                 \
    do {                                                                                   \
        if (get_f64(f, key, &d) != 0)                                                      \
            return -1;                                                                     \
        dst = (type)d;                                                                     \
    } while (0)
    GI("total_iters", s->total, int64_t);
    GI("train_images", s->images, int64_t);
    GF("lr", o->lr, double);
    GI("warmup", o->warmup, int64_t);
    GF("gamma", o->gamma, double);
    GI("anneal_linear", o->anneal_linear, int);
    GI("batch", o->batch, int);
    if ((v = meta_get(f, "seed")) == NULL)
        return -1;
    o->seed = strtoull(v, NULL, 10);
    GF("momentum", o->sgd.momentum, float);
    GF("weight_decay", o->sgd.weight_decay, float);
    GF("dampening", o->sgd.dampening, float);
    GI("nesterov", o->sgd.nesterov, int);
    GI("no_decay_bn", o->sgd.no_decay_bn, int);
    GF("label_smoothing", o->label_smoothing, float);
    GI("zero_init_residual", o->zero_init_residual, int);
    GI("val_split", o->val_split, int);
    GI("norm", o->norm, rn_norm_mode);
    GI("pad", o->pad, int);
    GI("flip", o->flip, int);
    GI("drop_last", o->drop_last, int);
    GI("train_limit", o->train_limit, int);
    GI("test_limit", o->test_limit, int);
    /* absent from checkpoints older than data-parallel training: per-process BN */
    o->sync_bn = 0;
    if (rn_st_metadata(f, "train.sync_bn") != NULL)
        GI("sync_bn", o->sync_bn, int);
#undef GI
#undef GF
    return 0;
}

/* ---- checkpoints -------------------------------------------------------------------- */

typedef struct progress_state {
    int64_t step, epoch, elapsed_ms, logged;
} progress_state;

static int checkpoint_save(const char *path, const rn_model *m, const rn_run *r,
                           const rn_sgd *opt, const rn_train_settings *s,
                           const progress_state *ps)
{
    rn_st_writer *w = rn_st_writer_new();
    size_t maxc = 1;
    for (int t = 0; t < m->n_tensors; t++)
        if (m->tensors[t].count > maxc)
            maxc = m->tensors[t].count;
    float *tmp = rn_alloc(maxc * sizeof(float));
    int rc = 0;
    char name[512];
    for (int t = 0; t < m->n_tensors && rc == 0; t++) {
        const rn_tensor_info *ti = &m->tensors[t];
        int64_t shape[4];
        for (int k = 0; k < ti->ndim; k++)
            shape[k] = ti->shape[k];
        const float *src = (is_param(ti->role) ? r->params : r->stats) + ti->offset;
        rn_tensor_to_torch(ti, src, tmp);
        rc = rn_st_writer_add_f32(w, ti->name, ti->ndim, shape, tmp);
        if (rc == 0 && is_param(ti->role) && opt->buf != NULL) {
            rn_tensor_to_torch(ti, opt->buf + ti->offset, tmp);
            snprintf(name, sizeof name, "momentum.%s", ti->name);
            rc = rn_st_writer_add_f32(w, name, ti->ndim, shape, tmp);
        }
    }
    int64_t one[1] = {1}, two[1] = {2};
    int64_t rng[2] = {(int64_t)s->o.seed, 0};
    if (rc == 0)
        rc = rn_st_writer_add_i64(w, "train.step", 1, one, &ps->step) |
             rn_st_writer_add_i64(w, "train.epoch", 1, one, &ps->epoch) |
             rn_st_writer_add_i64(w, "train.rng", 1, two, rng) |
             rn_st_writer_add_i64(w, "train.elapsed_ms", 1, one, &ps->elapsed_ms) |
             rn_st_writer_add_i64(w, "train.logged", 1, one, &ps->logged);
    if (rc == 0)
        rc = rn_st_writer_metadata(w, "format", "pt") |
             rn_st_writer_metadata(w, "resnetc_model", m->name) |
             rn_st_writer_metadata(w, "resnetc_kind", "checkpoint") | put_settings(w, s);
    if (rc == 0)
        rc = rn_st_writer_seal(w); /* a CRC-32 of the data, checked on --resume */
    if (rc == 0)
        rc = rn_st_writer_write(w, path);
    else
        rn_error("%s: cannot assemble the checkpoint", path);
    rn_free(tmp);
    rn_st_writer_free(w);
    return rc ? -1 : 0;
}

static int read_i64_tensor(const rn_st_file *f, const char *name, int64_t *dst, size_t count)
{
    const rn_st_tensor *t = rn_st_find(f, name);
    if (t == NULL)
        return rn_error("%s: checkpoint lacks tensor %s", rn_st_path(f), name);
    if (t->count != count)
        return rn_error("%s: tensor %s has %zu elements, expected %zu", rn_st_path(f), name,
                        t->count, count);
    return rn_st_read_i64(f, t, dst);
}

static int checkpoint_load(const rn_st_file *f, const rn_model *m, rn_run *r, rn_sgd *opt,
                           progress_state *ps)
{
    const char *model = rn_st_metadata(f, "resnetc_model");
    if (model == NULL || strcmp(model, m->name) != 0)
        return rn_error("%s: checkpoint of model '%s', this is %s", rn_st_path(f),
                        model ? model : "?", m->name);
    size_t maxc = 1;
    for (int t = 0; t < m->n_tensors; t++)
        if (m->tensors[t].count > maxc)
            maxc = m->tensors[t].count;
    float *tmp = rn_alloc(maxc * sizeof(float));
    char name[512];
    for (int t = 0; t < m->n_tensors; t++) {
        const rn_tensor_info *ti = &m->tensors[t];
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && (!is_param(ti->role) || opt->buf == NULL))
                break;
            snprintf(name, sizeof name, "%s%s", pass ? "momentum." : "", ti->name);
            const rn_st_tensor *st = rn_st_find(f, name);
            if (st == NULL || st->count != ti->count) {
                rn_free(tmp);
                return rn_error("%s: checkpoint %s tensor %s", rn_st_path(f),
                                st ? "has a wrongly sized" : "lacks", name);
            }
            if (rn_st_read_f32(f, st, tmp) != 0) {
                rn_free(tmp);
                return -1;
            }
            float *dst = pass ? opt->buf : is_param(ti->role) ? r->params : r->stats;
            rn_tensor_from_torch(ti, tmp, dst + ti->offset);
        }
    }
    rn_run_params_changed(r);
    rn_free(tmp);
    int64_t rng[2];
    if (read_i64_tensor(f, "train.step", &ps->step, 1) != 0 ||
        read_i64_tensor(f, "train.epoch", &ps->epoch, 1) != 0 ||
        read_i64_tensor(f, "train.rng", rng, 2) != 0 ||
        read_i64_tensor(f, "train.elapsed_ms", &ps->elapsed_ms, 1) != 0 ||
        read_i64_tensor(f, "train.logged", &ps->logged, 1) != 0)
        return -1;
    if (ps->step < 0 || ps->epoch < 0 || ps->logged < 0)
        return rn_error("%s: negative step, epoch or log count", rn_st_path(f));
    opt->steps = ps->step;
    return 0;
}

/* ---- logs --------------------------------------------------------------------------- */

static const char csv_header[] =
    "epoch,step,lr,train_loss,train_err,test_loss,test_err,val_loss,val_err,images_per_s,"
    "elapsed_s\n";

/* Keep the first `keep` lines (plus a header line for CSV) of a log, atomically. */
static int truncate_log(const char *path, int64_t keep, int header)
{
    void *data;
    size_t bytes;
    if (access(path, F_OK) != 0)
        return header ? rn_write_file_atomic(path, csv_header, sizeof csv_header - 1) : 0;
    if (rn_read_file(path, &data, &bytes) != 0)
        return -1;
    char *p = data;
    size_t at = 0;
    int64_t lines = 0, want = keep + (header ? 1 : 0);
    while (at < bytes && lines < want) {
        char *nl = memchr(p + at, '\n', bytes - at);
        if (nl == NULL)
            break;
        at = (size_t)(nl - p) + 1;
        lines++;
    }
    int rc = rn_write_file_atomic(path, data, at);
    rn_free(data);
    return rc;
}

static int append_line(const char *path, const char *line)
{
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return rn_error("%s: cannot open log: %s", path, strerror(errno));
    int ok = fputs(line, f) >= 0;
    ok &= fflush(f) == 0;
    ok &= fsync(fileno(f)) == 0 || errno == EINVAL;
    ok &= fclose(f) == 0;
    return ok ? 0 : rn_error("%s: cannot write log", path);
}

/* ---- the loop ----------------------------------------------------------------------- */

static void fmt_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 1e8)
        s = 0;
    long t = (long)(s + 0.5);
    snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

/* SIGINT and SIGTERM end training cleanly: the batch in flight finishes, a checkpoint is
 * written at that step, and the run exits with 128 + the signal's number. */
static volatile sig_atomic_t stop_signal;

/* Fault injection for tests/reliability: RESNETC_FAULT_NAN_AT_STEP=N makes the loss of
 * step N a NaN, so that the divergence path can be tested at a chosen moment. -1: never. */
static long long fault_nan_step(void)
{
    const char *e = getenv("RESNETC_FAULT_NAN_AT_STEP");
    char *end;
    long long v = e && *e ? strtoll(e, &end, 10) : -1;
    return e && *e && *end == 0 && v >= 0 ? v : -1;
}

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* Data-parallel: what process 0 decided (a checkpoint or log written or not), for all. */
static int agree(int rc)
{
    rn_dist_bcast_i32(&rc, 1);
    return rc;
}

/* Data-parallel: every process continues from process 0's state (what its checkpoint
 * holds): parameters, momentum and the BN running statistics, which per-process BN lets
 * drift apart (DDP broadcasts them likewise). */
static void share_state(const rn_model *m, rn_run *r, rn_sgd *opt)
{
    if (rn_dist_size() < 2)
        return;
    rn_dist_bcast_f32(r->params, m->param_floats);
    rn_run_params_changed(r);
    rn_dist_bcast_f32(r->stats, m->stats_floats);
    if (opt->buf != NULL)
        rn_dist_bcast_f32(opt->buf, m->param_floats);
}

/* Everything one call of rn_train holds: the settings in force (s.o), its files, data,
 * run and optimizer, where it stands (ps) and its clock. train_close frees what it owns. */
typedef struct train_session {
    const rn_model *m;
    rn_train_settings s;
    int rank, P, lead;
    char ckpt_path[4096], weights_path[4096], csv_path[4096], jsonl_path[4096];
    rn_st_file *resume;   /* the checkpoint being resumed, until its state is loaded */
    rn_run_data data;
    rn_loader *tl, *el, *vl;   /* training, test and (with --val-split) validation */
    rn_run *r;
    rn_sgd opt;
    rn_schedule sched;
    float *logits, *dlogits;
    int cap;              /* images of a batch on this process */
    int bar;              /* draw the progress bar */
    int64_t bpe, total, epochs;   /* batches per epoch, steps and epochs of the whole run */
    progress_state ps;
    double session_start;
    int64_t elapsed_base, session_steps;
    int epochs_this_session;
    long long nan_fault_step;
} train_session;

/* One epoch's training as it goes: the lr of its last step, loss sum, errors and images
 * over the whole batch (all processes), its clock and the progress bar's last drawing. */
typedef struct epoch_totals {
    double loss_sum, lr, t_start, t_train, last_draw;
    int64_t errs, seen;
} epoch_totals;

/* Settings from the command line, or from the checkpoint when resuming; the run directory
 * and its file names. */
static int train_settings(train_session *t, const rn_train_options *opts)
{
    rn_train_options *o = &t->s.o;
    if (opts->resume_dir != NULL) {
        if (opts->out_dir != NULL && strcmp(opts->out_dir, opts->resume_dir) != 0)
            return rn_error("--out: a resumed run continues in its own directory (%s)",
                            opts->resume_dir);
        snprintf(t->ckpt_path, sizeof t->ckpt_path, "%s/checkpoint.safetensors",
                 opts->resume_dir);
        t->resume = rn_st_open(t->ckpt_path);
        if (t->resume == NULL)
            return -1;
        if (rn_st_verify(t->resume, 1) != 0 || rn_train_settings_read(t->resume, &t->s) != 0)
            return -1;
        o->out_dir = opts->resume_dir;
        long long saved_threads = 1;
        if (opts->threads <= 0) {
            if (get_i64(t->resume, "threads", &saved_threads) != 0)
                return -1;
            o->threads = saved_threads > 0 ? (int)saved_threads : 1;
        }
    }
    if (o->out_dir == NULL)
        return rn_error("train: --out RUN_DIR is required");
    if (o->batch < 1 || o->batch % t->P != 0)
        return rn_error("train: the batch of %d images does not divide among %d processes: "
                        "give a --batch that is a multiple of the process count (each process "
                        "takes batch / processes images of every batch)",
                        o->batch, t->P);
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return rn_error("%s: cannot create the run directory: %s", o->out_dir,
                        strerror(errno));
    snprintf(t->ckpt_path, sizeof t->ckpt_path, "%s/checkpoint.safetensors", o->out_dir);
    if (t->resume == NULL && access(t->ckpt_path, F_OK) == 0)
        return rn_error("%s: the run directory already holds a run (checkpoint.safetensors): "
                        "continue it with --resume %s, or choose another --out",
                        o->out_dir, o->out_dir);
    snprintf(t->weights_path, sizeof t->weights_path, "%s/weights.safetensors", o->out_dir);
    snprintf(t->csv_path, sizeof t->csv_path, "%s/log.csv", o->out_dir);
    snprintf(t->jsonl_path, sizeof t->jsonl_path, "%s/log.jsonl", o->out_dir);
    return 0;
}

/* The data and its loaders, the length of the run, the lr schedule, the run and the
 * optimizer. */
static int train_prepare(train_session *t)
{
    const rn_model *m = t->m;
    rn_train_options *o = &t->s.o;
    const int P = t->P;
    const rn_run_data_options dopt = {.dataset = o->dataset, .dir = o->data_dir,
                                      .norm = o->norm, .val_split = o->val_split,
                                      .train_limit = o->train_limit,
                                      .test_limit = o->test_limit};
    if (rn_run_data_load(m, &dopt, &t->data) != 0)
        return -1;
    const rn_dataset *train = &t->data.train, *test = &t->data.test, *val = &t->data.val;
    const rn_norm *nm = &t->data.norm;
    int cifar = strcmp(o->dataset, "cifar10") == 0;
    if (o->pad < 0)
        o->pad = cifar ? 4 : 0;
    if (o->flip < 0)
        o->flip = cifar ? 1 : 0;
    const int tail = o->drop_last ? 0 : train->n % o->batch;
    if (P > 1 && tail > 0 && tail < P)
        return rn_error("train: the last batch of an epoch holds %d image(s) (%d %% %d), fewer "
                        "than the %d processes: a process's shard of it would be empty; add "
                        "--drop-last or change --batch or --train-limit",
                        tail, train->n, o->batch, P);
    rn_loader_config tc = {o->batch, 1, {o->pad, o->flip}, o->drop_last, o->seed, 1, t->rank, P};
    rn_loader_config ec = {o->batch, 0, {0, 0}, 0, 0, 1, t->rank, P};
    if (rn_loader_create(&t->tl, train, nm, &tc) != 0 ||
        rn_loader_create(&t->el, test, nm, &ec) != 0 ||
        (val->n > 0 && rn_loader_create(&t->vl, val, nm, &ec) != 0))
        return -1;
    t->bpe = rn_loader_batches(t->tl);
    if (t->resume != NULL && t->s.images != train->n)
        return rn_error("%s: the run trained on %lld images an epoch, the data now gives %d: "
                        "cannot resume exactly",
                        t->ckpt_path, (long long)t->s.images, train->n);
    t->s.images = train->n;

    /* Length of the run. */
    if (t->resume == NULL) {
        if (o->iters > 0)
            t->s.total = o->iters;
        else if (o->epochs > 0)
            t->s.total = o->epochs * t->bpe;
        else if (o->schedule == RN_SCHED_PAPER)
            t->s.total = RN_PAPER_TOTAL;
        else
            return rn_error("train: give --epochs N or --iters N (only the paper schedule has "
                            "a default length, 64000 iterations)");
    }
    t->total = t->s.total;
    t->epochs = (t->total + t->bpe - 1) / t->bpe;

    rn_schedule_init(&t->sched, o->schedule, o->lr, t->total, o->warmup);
    t->sched.gamma = o->gamma;
    t->sched.anneal_linear = o->anneal_linear;
    if ((o->milestones != NULL && rn_schedule_parse_milestones(&t->sched, o->milestones) != 0) ||
        rn_schedule_check(&t->sched) != 0)
        return -1;
    if (!(o->label_smoothing >= 0.0f && o->label_smoothing < 1.0f))
        return rn_error("--label-smoothing: must lie in [0, 1)");

    t->cap = o->batch / P;
    t->r = rn_run_create(m, t->cap, 0);
    if (t->r == NULL)
        return -1;
    t->r->threads = o->threads;
    if (o->sync_bn && P > 1)
        t->r->bn_reduce = rn_dist_reduce_cb;
    if (rn_sgd_init(&t->opt, &o->sgd, m, m->param_floats) != 0)
        return -1;
    t->opt.threads = o->threads;
    return 0;
}

/* Where training starts: the resumed checkpoint's state and logs cut back to it, or fresh
 * weights and empty logs; then every process takes process 0's state, and the run is
 * announced. */
static int train_start(train_session *t)
{
    const rn_model *m = t->m;
    const rn_train_options *o = &t->s.o;
    const int lead = t->lead;
    progress_state *ps = &t->ps;
    if (t->resume != NULL) {
        if (checkpoint_load(t->resume, m, t->r, &t->opt, ps) != 0)
            return -1;
        rn_st_close(t->resume);
        t->resume = NULL;
        if (agree(lead ? (truncate_log(t->csv_path, ps->logged, 1) != 0 ||
                          truncate_log(t->jsonl_path, ps->logged, 0) != 0)
                       : 0))
            return -1;
        if (ps->step < ps->epoch * t->bpe || ps->step > (ps->epoch + 1) * t->bpe)
            return rn_error("%s: step %lld does not lie in epoch %lld of %lld batches",
                            t->ckpt_path, (long long)ps->step, (long long)ps->epoch + 1,
                            (long long)t->bpe);
        if (lead)
            printf("resuming %s at epoch %lld, step %lld of %lld\n", o->out_dir,
                   (long long)ps->epoch + 1, (long long)ps->step, (long long)t->total);
    } else {
        if (o->init_weights != NULL) {
            if (rn_weights_load(m, o->init_weights, t->r->params, t->r->stats) != 0)
                return -1;
        } else {
            rn_weights_init(m, o->seed, t->r->params, t->r->stats);
        }
        if (o->zero_init_residual && rn_zero_init_residual(m, t->r->params) == 0)
            return rn_error("--zero-init-residual: model %s has no layerX.Y.bn2/bn3 weights",
                            m->name);
        rn_run_params_changed(t->r);
        if (agree(lead ? (rn_write_file_atomic(t->csv_path, csv_header,
                                               sizeof csv_header - 1) != 0 ||
                          rn_write_file_atomic(t->jsonl_path, "", 0) != 0)
                       : 0))
            return -1;
    }
    share_state(m, t->r, &t->opt); /* e.g. --init-weights read differently: process 0's */
    const rn_dataset *train = &t->data.train, *test = &t->data.test, *val = &t->data.val;
    char valtxt[48] = "";
    if (val->n > 0)
        snprintf(valtxt, sizeof valtxt, ", %d validation", val->n);
    char ptxt[96] = "";
    if (t->P > 1)
        snprintf(ptxt, sizeof ptxt, " on each of %d processes (%d images each, %s BN)", t->P,
                 t->cap, o->sync_bn ? "synchronized" : "per-process");
    if (lead)
        printf("%s on %s: %d train, %d test%s images; batch %d, %lld batches/epoch, "
               "%lld iterations (%lld epochs), schedule %s lr %g, %d thread(s)%s, seed %llu\n",
               m->name, o->dataset, train->n, test->n, valtxt, o->batch,
               (long long)t->bpe, (long long)t->total, (long long)t->epochs,
               rn_schedule_kind_name(o->schedule), o->lr, o->threads, ptxt,
               (unsigned long long)o->seed);
    fflush(stdout);
    return 0;
}

/* The progress bar on stderr after batch b of epoch e, at most every 0.2 s and at the
 * last step. */
static void train_progress(const train_session *t, int64_t e, const rn_batch *b,
                           epoch_totals *et)
{
    double now = rn_seconds();
    if (!(now - et->last_draw > 0.2 || t->ps.step == t->total))
        return;
    et->last_draw = now;
    double ips = et->seen / (now - et->t_start);
    double per_step = (now - t->session_start) / (double)t->session_steps;
    char eta[32];
    fmt_duration(eta, sizeof eta, per_step * (double)(t->total - t->ps.step));
    int done_b = b->index + 1, width = 24;
    int fill = (int)((double)done_b / (double)t->bpe * width);
    char barbuf[32];
    for (int k = 0; k < width; k++)
        barbuf[k] = k < fill ? '#' : '.';
    barbuf[width] = '\0';
    fprintf(stderr,
            "\r\033[Kepoch %lld/%lld [%s] %d/%lld loss %.4f err %.2f%% %.0f img/s ETA %s",
            (long long)e + 1, (long long)t->epochs, barbuf, done_b, (long long)t->bpe,
            et->loss_sum / et->seen, 100.0 * et->errs / et->seen, ips, eta);
    fflush(stderr);
}

/* The steps of epoch e from where the run stands, until the epoch ends, the run's length
 * is reached or a signal stops it (*stop: the signal, agreed by all processes). Returns
 * -1 when the loss is not finite. */
static int train_epoch(train_session *t, int64_t e, epoch_totals *et, int *stop)
{
    const rn_model *m = t->m;
    const rn_train_options *o = &t->s.o;
    const int P = t->P, K = m->classes;
    rn_run *r = t->r;
    progress_state *ps = &t->ps;
    int first = (int)(ps->step - e * t->bpe);
    rn_loader_start_epoch(t->tl, e, first);
    memset(et, 0, sizeof *et);
    et->t_start = rn_seconds();
    const rn_batch *b;
    for (;;) {
        if (P == 1 && stop_signal)
            *stop = stop_signal; /* one process: stop at once; several: agreed below */
        if (*stop || ps->step >= t->total || (b = rn_loader_next(t->tl)) == NULL)
            break;
        et->lr = rn_schedule_lr(&t->sched, ps->step);
        r->n = b->n;
        m->forward_train(r, b->x, t->logits);
        float loss = rn_softmax_xent_fast(t->logits, b->labels, b->n, K, o->label_smoothing,
                                          t->dlogits);
        if (ps->step == t->nan_fault_step)
            loss = NAN;
        int64_t berrs = 0;
        for (int i = 0; i < b->n; i++)
            berrs += argmax(t->logits + (size_t)i * K, K) != b->labels[i];
        /* the whole batch: loss sum, errors, images; processes signalled, signals */
        double agg[5] = {(double)loss * b->n, (double)berrs, (double)b->n,
                         stop_signal != 0, (double)stop_signal};
        if (P > 1) {
            rn_dist_sum_f64(agg, 5);
            loss = (float)(agg[0] / agg[2]);
            if (agg[3] > 0)
                *stop = stop_signal ? (int)stop_signal : (int)(agg[4] / agg[3]);
            /* this process's mean over its b->n images, weighted to its share of the
             * batch's mean: the summed gradient is the whole batch's */
            const float share = (float)((double)b->n / (double)b->total);
            for (size_t i = 0; i < (size_t)b->n * K; i++)
                t->dlogits[i] *= share;
        }
        if (!isfinite(loss)) {
            if (t->bar)
                fputs("\r\033[K", stderr);
            return rn_error("train: the loss became %s at epoch %lld, step %lld (lr %g): "
                            "stopping; the last checkpoint %s (if any) is kept unchanged",
                            isnan(loss) ? "NaN" : "infinite", (long long)e + 1,
                            (long long)ps->step, et->lr, t->ckpt_path);
        }
        m->backward(r, t->dlogits);
        if (P > 1)
            rn_dist_sum_f32(r->grads, m->param_floats);
        rn_sgd_step(&t->opt, r->params, r->grads, (float)et->lr);
        ps->step++;
        t->session_steps++;
        et->loss_sum += agg[0];
        et->errs += (int64_t)agg[1];
        et->seen += (int64_t)agg[2];
        if (t->bar)
            train_progress(t, e, b, et);
    }
    et->t_train = rn_seconds() - et->t_start;
    if (t->bar)
        fputs("\r\033[K", stderr);
    return 0;
}

/* After epoch e (or the part of it run): the test (and validation) set evaluated, each
 * process its shard; one line in each log; the checkpoint; the line on stdout. */
static int train_evaluate_log_checkpoint(train_session *t, int64_t e, const epoch_totals *et)
{
    const rn_model *m = t->m;
    const int P = t->P, lead = t->lead;
    rn_run *r = t->r;
    progress_state *ps = &t->ps;
    share_state(m, r, &t->opt);
    r->n = t->cap;
    double tl_sum = 0, vl_sum = 0;
    int64_t te = 0, tn = 0, ve = 0, vn = 0;
    rn_evaluate(m, r, t->el, &tl_sum, &te, &tn, NULL);
    if (t->vl != NULL)
        rn_evaluate(m, r, t->vl, &vl_sum, &ve, &vn, NULL);
    if (P > 1) {
        double ev[6] = {tl_sum, (double)te, (double)tn, vl_sum, (double)ve, (double)vn};
        rn_dist_sum_f64(ev, 6);
        tl_sum = ev[0], te = (int64_t)ev[1], tn = (int64_t)ev[2];
        vl_sum = ev[3], ve = (int64_t)ev[4], vn = (int64_t)ev[5];
    }
    int epoch_done = ps->step >= (e + 1) * t->bpe;
    ps->epoch = epoch_done ? e + 1 : e;
    ps->elapsed_ms = t->elapsed_base + (int64_t)((rn_seconds() - t->session_start) * 1000.0);
    const int64_t seen = et->seen;
    const double lr = et->lr;
    double ips = seen > 0 ? seen / et->t_train : 0;
    double elapsed = (double)ps->elapsed_ms / 1000.0;
    char vbuf[96] = "", vjson[128] = "";
    if (vn > 0) {
        snprintf(vbuf, sizeof vbuf, "%.6f,%.6f", vl_sum / vn, (double)ve / vn);
        snprintf(vjson, sizeof vjson, ", \"val_loss\": %.6f, \"val_err\": %.6f",
                 vl_sum / vn, (double)ve / vn);
    } else {
        snprintf(vbuf, sizeof vbuf, ",");
    }
    char line[1024];
    double trl = seen ? et->loss_sum / seen : 0, tre = seen ? (double)et->errs / seen : 0;
    snprintf(line, sizeof line, "%lld,%lld,%.9g,%.6f,%.6f,%.6f,%.6f,%s,%.1f,%.3f\n",
             (long long)e + 1, (long long)ps->step, lr, trl, tre, tl_sum / tn,
             (double)te / tn, vbuf, ips, elapsed);
    int rc = lead ? append_line(t->csv_path, line) : 0;
    snprintf(line, sizeof line,
             "{\"epoch\": %lld, \"step\": %lld, \"lr\": %.9g, \"train_loss\": %.6f, "
             "\"train_err\": %.6f, \"test_loss\": %.6f, \"test_err\": %.6f%s, "
             "\"images_per_s\": %.1f, \"elapsed_s\": %.3f}\n",
             (long long)e + 1, (long long)ps->step, lr, trl, tre, tl_sum / tn,
             (double)te / tn, vjson, ips, elapsed);
    if (lead && rc == 0)
        rc = append_line(t->jsonl_path, line);
    ps->logged++;
    if (lead && rc == 0)
        rc = checkpoint_save(t->ckpt_path, m, r, &t->opt, &t->s, ps);
    if (agree(rc) != 0)
        return -1;
    if (lead)
        printf("epoch %lld/%lld step %lld lr %.5g | train loss %.4f err %.2f%% | test loss "
               "%.4f err %.2f%%",
               (long long)e + 1, (long long)t->epochs, (long long)ps->step, lr, trl, 100 * tre,
               tl_sum / tn, 100.0 * te / tn);
    if (lead && vn > 0)
        printf(" | val loss %.4f err %.2f%%", vl_sum / vn, 100.0 * ve / vn);
    if (lead)
        printf(" | %.0f img/s | %.1f s\n", ips, elapsed);
    fflush(stdout);
    return 0;
}

/* Stopped by signal `stop` in epoch e: a checkpoint at the step reached (the resumed run
 * finishes the epoch). Returns 128 + the signal, or 1 when the checkpoint fails. */
static int train_stopped(train_session *t, int64_t e, int stop)
{
    progress_state *ps = &t->ps;
    ps->epoch = e;
    ps->elapsed_ms = t->elapsed_base + (int64_t)((rn_seconds() - t->session_start) * 1000.0);
    if (agree(t->lead ? checkpoint_save(t->ckpt_path, t->m, t->r, &t->opt, &t->s, ps) : 0) != 0)
        return 1;
    if (t->lead)
        printf("stopped by signal %d at step %lld; checkpoint saved, resume with --resume %s\n",
               stop, (long long)ps->step, t->s.o.out_dir);
    fflush(stdout);
    return 128 + stop;
}

/* The whole run: set up and start (or resume), the epochs, the final weights. Returns
 * rn_train's exit status; rn_train frees the session and restores the signal handlers. */
static int train_session_run(train_session *t, const rn_train_options *opts)
{
    if (train_settings(t, opts) != 0 || train_prepare(t) != 0)
        return 1;
    const rn_model *m = t->m;
    const rn_train_options *o = &t->s.o;
    const int K = m->classes;
    if (train_start(t) != 0)
        return 1;
    t->logits = rn_alloc((size_t)t->cap * K * sizeof(float));
    t->dlogits = rn_alloc((size_t)t->cap * K * sizeof(float));
    t->bar = t->lead && (o->progress < 0 ? isatty(2) : o->progress);
    t->session_start = rn_seconds();
    t->elapsed_base = t->ps.elapsed_ms;
    t->nan_fault_step = fault_nan_step();

    for (int64_t e = t->ps.epoch; t->ps.step < t->total; e++) {
        epoch_totals et;
        int stop = 0; /* the signal that stops the run, agreed by all processes */
        if (train_epoch(t, e, &et, &stop) != 0)
            return 1;
        if (stop)
            return train_stopped(t, e, stop);
        if (train_evaluate_log_checkpoint(t, e, &et) != 0)
            return 1;
        t->epochs_this_session++;
        if (o->stop_after_epochs > 0 && t->epochs_this_session >= o->stop_after_epochs &&
            t->ps.step < t->total) {
            if (t->lead)
                printf("stopping after %d epoch(s) as asked (--stop-after); resume with "
                       "--resume %s\n",
                       t->epochs_this_session, o->out_dir);
            return 0;
        }
    }
    if (agree(t->lead ? rn_weights_save(m, t->weights_path, t->r->params, t->r->stats) : 0) != 0)
        return 1;
    if (t->lead)
        printf("done: %lld iterations; weights in %s\n", (long long)t->ps.step, t->weights_path);
    return 0;
}

/* Everything the session owns (any part may be missing: setup stopped early). */
static void train_close(train_session *t)
{
    rn_st_close(t->resume);
    rn_free(t->logits);
    rn_free(t->dlogits);
    rn_sgd_free(&t->opt);
    rn_run_destroy(t->r);
    rn_loader_destroy(t->tl);
    rn_loader_destroy(t->el);
    rn_loader_destroy(t->vl);
    rn_run_data_free(&t->data);
}

/* The one way in and out: the stop handlers are installed for the session and the
 * caller's put back whatever ends it. */
int rn_train(const rn_model *m, const rn_train_options *opts)
{
    train_session *t = rn_alloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->m = m;
    t->s.o = *opts;
    t->rank = rn_dist_rank();
    t->P = rn_dist_size();
    t->lead = t->rank == 0;

    struct sigaction stop_action, old_int, old_term;
    memset(&stop_action, 0, sizeof stop_action);
    stop_action.sa_handler = on_stop_signal;
    sigemptyset(&stop_action.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &stop_action, &old_int);
    sigaction(SIGTERM, &stop_action, &old_term);

    const int status = train_session_run(t, opts);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    train_close(t);
    rn_free(t);
    return status;
}
