/* cmd_analyze.c: `<model> analyze --weights W (--data DIR | --input X.npy) [--output F]`:
 * the standard deviation of every 3x3 layer's response over a data set (He et al. 2016,
 * section 4.2, Fig. 7).
 *
 * A 3x3 layer's response is the output of the batch norm that follows a 3x3 convolution,
 * before the residual addition and the ReLU (in plain nets: before the ReLU), in eval mode
 * (running statistics), as the paper defines it. The generated code fuses BN, addition and
 * ReLU, so that output never exists there: the images run through the reference executor
 * (reference.h), which keeps every layer's output. Per layer, over all images, positions and
 * channels: the mean, `std` (the standard deviation of all those values) and `channel_std`
 * (the mean over channels of each channel's standard deviation); sums in double.
 *
 * Images: the test set (--data, normalized from the training set as `train` and `eval` do:
 * give the run's --norm, --val-split and --train-limit), or an .npy batch already
 * normalized (--input, float32 N x C x H x W). Prints a table; --output F writes it as CSV,
 * or JSON when F ends in .json. The data flags are the shared table's (args_data.h). */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/loader.h"
#include "resnetc/npy.h"
#include "resnetc/reference.h"
#include "resnetc/run_data.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include "args_data.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One 3x3 layer: its BN, the conv before it, and the running sums of its response. */
typedef struct response {
    int bn;          /* layer index of the BN */
    int conv;        /* layer index of the 3x3 conv feeding it */
    int residual;    /* 1: the BN output feeds a residual addition */
    int c;
    double *sum, *sumsq; /* per channel */
    double count;        /* values per channel */
} response;

/* The BN layers whose input is the output of a 3x3 conv, in forward order. */
static int find_responses(const rn_model *m, response *out)
{
    int k = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const rn_layer_info *L = &m->layers[l];
        if (L->kind != RN_LAYER_BN)
            continue;
        int conv = -1;
        for (int p = 0; p < m->n_layers; p++)
            if (m->layers[p].out == L->in[0])
                conv = p;
        if (conv < 0 || m->layers[conv].kind != RN_LAYER_CONV || m->layers[conv].kh != 3 ||
            m->layers[conv].kw != 3)
            continue;
        response *r = &out[k++];
        memset(r, 0, sizeof *r);
        r->bn = l;
        r->conv = conv;
        for (int q = 0; q < m->n_layers; q++)
            if (m->layers[q].kind == RN_LAYER_ADD &&
                (m->layers[q].in[0] == L->out || m->layers[q].in[1] == L->out))
                r->residual = 1;
        r->c = m->acts[L->out].c;
        r->sum = rn_alloc(sizeof(double) * (size_t)r->c);
        r->sumsq = rn_alloc(sizeof(double) * (size_t)r->c);
    }
    return k;
}

/* Add the responses of the last forward of n images. */
static void accumulate(const rn_model *m, const rn_reference *ref, int n, response *rs, int k)
{
    for (int i = 0; i < k; i++) {
        response *r = &rs[i];
        const rn_act_info *a = &m->acts[m->layers[r->bn].out];
        const float *y = rn_reference_activation(ref, m->layers[r->bn].out);
        const size_t rows = (size_t)n * a->h * a->w;
        const int c = r->c;
        double *s = r->sum, *q = r->sumsq;
#pragma omp parallel for schedule(static)
        for (int ch = 0; ch < c; ch++) {
            double ss = 0, qq = 0;
            for (size_t p = 0; p < rows; p++) {
                double v = y[p * c + ch];
                ss += v;
                qq += v * v;
            }
            s[ch] += ss;
            q[ch] += qq;
        }
        r->count += (double)rows;
    }
}

typedef struct stats3 {
    double mean, std, channel_std;
} stats3;

static stats3 summarize(const response *r)
{
    double s = 0, q = 0, cs = 0;
    for (int ch = 0; ch < r->c; ch++) {
        s += r->sum[ch];
        q += r->sumsq[ch];
        double mu = r->sum[ch] / r->count, var = r->sumsq[ch] / r->count - mu * mu;
        cs += sqrt(var > 0 ? var : 0);
    }
    double total = r->count * r->c, mu = s / total, var = q / total - mu * mu;
    stats3 t = {mu, sqrt(var > 0 ? var : 0), cs / r->c};
    return t;
}

/* s with JSON's quote and backslash escaped and control characters dropped, into out. */
static void json_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        if (*s == '"' || *s == '\\')
            out[o++] = '\\';
        if ((unsigned char)*s >= 0x20)
            out[o++] = *s;
    }
    out[o] = '\0';
}

/* The table as CSV or JSON into a new string. */
static char *format_output(const rn_model *m, const response *rs, int k, int json,
                           long images, const char *source)
{
    size_t cap = 512 + (size_t)k * 320 + 2 * strlen(source), o = 0;
    char *buf = rn_alloc(cap), esc[8400];
    json_escape(source, esc, sizeof esc);
    if (json)
        o += (size_t)snprintf(buf + o, cap - o,
                              "{\"model\": \"%s\", \"images\": %ld, \"source\": \"%s\", "
                              "\"layers\": [\n",
                              m->name, images, esc);
    else
        o += (size_t)snprintf(buf + o, cap - o,
                              "index,layer,conv,channels,height,width,residual,mean,std,"
                              "channel_std\n");
    for (int i = 0; i < k; i++) {
        const rn_layer_info *L = &m->layers[rs[i].bn];
        const rn_act_info *a = &m->acts[L->out];
        stats3 t = summarize(&rs[i]);
        if (json)
            o += (size_t)snprintf(buf + o, cap - o,
                                  "  {\"index\": %d, \"layer\": \"%s\", \"conv\": \"%s\", "
                                  "\"channels\": %d, \"height\": %d, \"width\": %d, "
                                  "\"residual\": %d, \"mean\": %.9g, \"std\": %.9g, "
                                  "\"channel_std\": %.9g}%s\n",
                                  i + 1, L->name, m->layers[rs[i].conv].name, a->c, a->h, a->w,
                                  rs[i].residual, t.mean, t.std, t.channel_std,
                                  i + 1 < k ? "," : "");
        else
            o += (size_t)snprintf(buf + o, cap - o, "%d,%s,%s,%d,%d,%d,%d,%.9g,%.9g,%.9g\n",
                                  i + 1, L->name, m->layers[rs[i].conv].name, a->c, a->h, a->w,
                                  rs[i].residual, t.mean, t.std, t.channel_std);
    }
    if (json)
        snprintf(buf + o, cap - o, "]}\n");
    return buf;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int rn_cmd_analyze(const rn_model *m, int argc, char **argv)
{
    rn_data_flags df;
    rn_data_flags_defaults(RN_DATA_ANALYZE, &df);
    const char *weights = NULL, *input = NULL, *output = NULL;
    rn_arg args[RN_DATA_ARGS(3)] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 1, "safetensors weights (PyTorch names)"},
        {"--input", RN_ARG_STRING, &input, 0, 0, 0,
         "float32 .npy N x C x H x W, already normalized (instead of --data)"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 0, "write the table: CSV, or JSON (.json)"},
    };
    rn_data_args_add(RN_DATA_ANALYZE, &df, args, sizeof args / sizeof args[0]);
    int rc = rn_cli_args("analyze", args, argc, argv);
    if (rc >= 0)
        return rc;
    if ((df.dir == NULL) == (input == NULL)) {
        rn_error("analyze: give exactly one of --data DIR (the test set) and --input X.npy");
        return RN_EXIT_USAGE;
    }
    rn_norm_mode mode;
    if (rn_norm_parse_mode(df.norm, &mode) != 0)
        return RN_EXIT_USAGE;
    omp_set_num_threads((int)df.threads);

    rc = RN_EXIT_ERROR;
    rn_run_data rd = {0};
    rn_loader *l = NULL;
    rn_npy x = {0};
    rn_reference *ref = NULL;
    float *params = rn_alloc(m->param_floats * sizeof(float));
    float *stats = rn_alloc(m->stats_floats * sizeof(float));
    float *logits = rn_alloc((size_t)df.batch * (size_t)m->classes * sizeof(float));
    response *rs = rn_alloc(sizeof(response) * (size_t)m->n_layers);
    char *text = NULL, source[4200];
    const int k = find_responses(m, rs);
    long images = 0;
    if (k == 0) {
        rn_error("analyze: model %s has no 3x3 convolution followed by batch norm", m->name);
        goto done;
    }
    if (rn_weights_load(m, weights, params, stats) != 0)
        goto done;
    ref = rn_reference_create(m, (int)df.batch);
    if (input != NULL) {
        if (rn_cli_load_input(m, input, &x) != 0)
            goto done;
        const size_t per_image = (size_t)m->in_c * m->in_h * m->in_w;
        for (long s = 0; s < x.shape[0]; s += df.batch) {
            int n = (int)(x.shape[0] - s < df.batch ? x.shape[0] - s : df.batch);
            rn_reference_forward(ref, n, params, stats, (const float *)x.data + s * per_image,
                                 logits, 0, 0.1f, 1e-5f);
            accumulate(m, ref, n, rs, k);
            images += n;
        }
        snprintf(source, sizeof source, "%s", input);
    } else {
        const rn_run_data_options dopt = rn_data_flags_run_data(&df, mode);
        if (rn_run_data_load(m, &dopt, &rd) != 0)
            goto done;
        rn_loader_config ec = {(int)df.batch, 0, {0, 0}, 0, 0, 1, 0, 1};
        if (rn_loader_create(&l, &rd.test, &rd.norm, &ec) != 0)
            goto done;
        rn_loader_start_epoch(l, 0, 0);
        const rn_batch *b;
        while ((b = rn_loader_next(l)) != NULL) {
            rn_reference_forward(ref, b->n, params, stats, b->x, logits, 0, 0.1f, 1e-5f);
            accumulate(m, ref, b->n, rs, k);
            images += b->n;
        }
        snprintf(source, sizeof source, "%s test set (%s)", df.dataset, df.dir);
    }
    if (images == 0) {
        rn_error("analyze: no images to analyze");
        goto done;
    }

    printf("%s: responses of %d 3x3 layers (BN output before addition and ReLU, eval mode) "
           "over %ld images of %s, weights %s\n",
           m->name, k, images, source, weights);
    printf("%5s  %-20s %-20s %8s %7s %8s %10s %10s %11s\n", "index", "layer", "conv",
           "channels", "hxw", "residual", "mean", "std", "channel_std");
    for (int i = 0; i < k; i++) {
        const rn_layer_info *L = &m->layers[rs[i].bn];
        const rn_act_info *a = &m->acts[L->out];
        char hw[32];
        snprintf(hw, sizeof hw, "%dx%d", a->h, a->w);
        stats3 t = summarize(&rs[i]);
        printf("%5d  %-20s %-20s %8d %7s %8s %10.5f %10.5f %11.5f\n", i + 1, L->name,
               m->layers[rs[i].conv].name, a->c, hw, rs[i].residual ? "yes" : "no", t.mean,
               t.std, t.channel_std);
    }
    if (output != NULL) {
        text = format_output(m, rs, k, ends_with(output, ".json"), images, source);
        if (rn_write_file_atomic(output, text, strlen(text)) != 0)
            goto done;
    }
    rc = RN_EXIT_OK;
done:
    for (int i = 0; i < k; i++) {
        rn_free(rs[i].sum);
        rn_free(rs[i].sumsq);
    }
    rn_free(rs);
    rn_free(text);
    rn_free(logits);
    rn_free(params);
    rn_free(stats);
    rn_reference_destroy(ref);
    rn_npy_free(&x);
    rn_loader_destroy(l);
    rn_run_data_free(&rd);
    return rc;
}
