/* cmd_infer.c: `<model> infer`: eval-mode forward (running BN statistics).
 *   --input X.npy --output Y.npy   float32 N x C x H x W in chunks of at most --batch images;
 *                                  writes float32 N x classes logits atomically
 *   --image FILE                   one PNG or JPEG, preprocessed as torchvision's ImageNet
 *                                  evaluation transform (resnetc/image.h; --resize, --mean,
 *                                  --std), then classified; --dump-input writes the tensor
 * Either prints the top --topk classes with their softmax probabilities (always for --image;
 * for --input when --topk or --labels is given), named by --labels (one label per line). */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/image.h"
#include "resnetc/npy.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* torchvision's ImageNet normalization. */
static const float IMAGENET_MEAN[3] = {0.485f, 0.456f, 0.406f};
static const float IMAGENET_STD[3] = {0.229f, 0.224f, 0.225f};

/* "a,b,c": exactly `count` finite floats (positive ones if `positive`). */
static int parse_floats(const char *flag, const char *text, int count, int positive, float *out)
{
    const char *p = text;
    for (int i = 0; i < count; i++) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0 || !isfinite(v) || (positive && !(v > 0)) ||
            *end != (i + 1 < count ? ',' : '\0'))
            return rn_error("infer: %s: expected %d comma-separated %snumbers (one per input "
                            "channel), got '%s'",
                            flag, count, positive ? "positive " : "", text);
        out[i] = (float)v;
        p = end + 1;
    }
    return 0;
}

/* The labels file: one label per line (a final newline and \r are ignored); exactly
 * `classes` lines. *labels points into *buf. */
static int read_labels(const char *path, int classes, char **buf, char ***labels)
{
    void *data;
    size_t size;
    if (rn_read_file(path, &data, &size) != 0)
        return -1;
    char *text = rn_alloc(size + 1);
    memcpy(text, data, size);
    rn_free(data);
    text[size] = '\0';
    if (strlen(text) != size) {
        rn_free(text);
        return rn_error("%s: a NUL byte: expected a text file, one label per line", path);
    }
    char **lab = rn_alloc((size_t)classes * sizeof(char *));
    int n = 0;
    char *line = text;
    while (*line != '\0') {
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (n < classes)
            lab[n] = line;
        n++;
        line = next;
    }
    if (n != classes) {
        rn_free(lab);
        rn_free(text);
        return rn_error("%s: %d label line%s, expected %d (one per class)", path, n,
                        n == 1 ? "" : "s", classes);
    }
    *buf = text;
    *labels = lab;
    return 0;
}

/* The top k classes of one image's logits, by softmax probability (ties: lower class). */
static void print_topk(const char *what, const float *z, int classes, int k, char **labels)
{
    double mx = z[0], sum = 0;
    for (int c = 1; c < classes; c++)
        mx = z[c] > mx ? z[c] : mx;
    for (int c = 0; c < classes; c++)
        sum += exp((double)z[c] - mx);
    printf("%s: top %d of %d classes\n", what, k, classes);
    unsigned char *used = rn_alloc((size_t)classes);
    for (int r = 0; r < k; r++) {
        int best = -1;
        for (int c = 0; c < classes; c++)
            if (!used[c] && (best < 0 || z[c] > z[best]))
                best = c;
        used[best] = 1;
        printf("  %d. class %d  p = %.4f%s%s\n", r + 1, best, exp((double)z[best] - mx) / sum,
               labels ? "  " : "", labels ? labels[best] : "");
    }
    rn_free(used);
}

/* One forward over `total` images in chunks of `batch`. */
static int forward(const rn_model *m, const char *weights, const float *x, int total, long batch,
                   long threads, float *logits)
{
    if (total == 0) {
        /* Nothing to run, but the weights must still be valid for this model. */
        float *params = rn_alloc(m->param_floats * sizeof(float));
        float *stats = rn_alloc(m->stats_floats * sizeof(float));
        int rc = rn_weights_load(m, weights, params, stats);
        rn_free(params);
        rn_free(stats);
        return rc;
    }
    int chunk = total < batch ? total : (int)batch;
    size_t per_image = (size_t)m->in_c * m->in_h * m->in_w;
    rn_run *r = rn_run_create(m, chunk, 0);
    if (r == NULL)
        return -1;
    r->threads = (int)threads;
    int rc = rn_weights_load(m, weights, r->params, r->stats);
    rn_run_params_changed(r);
    for (int start = 0; rc == 0 && start < total; start += chunk) {
        r->n = total - start < chunk ? total - start : chunk;
        m->forward_infer(r, x + (size_t)start * per_image, logits + (size_t)start * m->classes);
    }
    rn_run_destroy(r);
    return rc;
}

int rn_cmd_infer(const rn_model *m, int argc, char **argv)
{
    const char *weights = NULL, *input = NULL, *output = NULL, *image = NULL, *labels_path = NULL;
    const char *resize = NULL, *mean_text = NULL, *std_text = NULL, *dump = NULL;
    long batch = 128, threads = 1, topk = 0;
    rn_arg args[] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 1, "safetensors weights (PyTorch names)"},
        {"--input", RN_ARG_STRING, &input, 0, 0, 0, "float32 .npy, N x C x H x W"},
        {"--image", RN_ARG_STRING, &image, 0, 0, 0, "a PNG or JPEG image (instead of --input)"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 0,
         ".npy to write: float32 N x classes (required with --input)"},
        {"--batch", RN_ARG_INT, &batch, 1, 65536, 0, "images per forward pass"},
        {"--threads", RN_ARG_INT, &threads, 1, 1024, 0, "OpenMP threads"},
        {"--topk", RN_ARG_INT, &topk, 1, 1 << 20, 0,
         "print the K most probable classes (default 5 with --image)"},
        {"--labels", RN_ARG_STRING, &labels_path, 0, 0, 0, "class names, one per line"},
        {"--resize", RN_ARG_STRING, &resize, 0, 0, 0,
         "--image: crop (Resize(round(S*256/224)) + CenterCrop, default) or none (exact size)"},
        {"--mean", RN_ARG_STRING, &mean_text, 0, 0, 0,
         "--image: per-channel mean (default ImageNet's 0.485,0.456,0.406)"},
        {"--std", RN_ARG_STRING, &std_text, 0, 0, 0,
         "--image: per-channel std (default ImageNet's 0.229,0.224,0.225)"},
        {"--dump-input", RN_ARG_STRING, &dump, 0, 0, 0,
         "--image: write the preprocessed 1 x C x H x W tensor to this .npy"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("infer", args, argc, argv);
    if (rc >= 0)
        return rc;
    if ((input == NULL) == (image == NULL)) {
        rn_error("infer: give exactly one of --input (an .npy batch) and --image (a PNG or JPEG)");
        return RN_EXIT_USAGE;
    }
    if (input != NULL) {
        const char *only_image = resize ? "--resize" : mean_text ? "--mean" : std_text ? "--std"
                                 : dump ? "--dump-input" : NULL;
        if (only_image) {
            rn_error("infer: %s applies to --image only", only_image);
            return RN_EXIT_USAGE;
        }
        if (output == NULL) {
            rn_error("infer: --output is required with --input");
            return RN_EXIT_USAGE;
        }
    }
    rn_image_fit fit = RN_FIT_CROP;
    if (resize != NULL && strcmp(resize, "crop") != 0) {
        if (strcmp(resize, "none") != 0) {
            rn_error("infer: --resize: expected crop or none, got '%s'", resize);
            return RN_EXIT_USAGE;
        }
        fit = RN_FIT_EXACT;
    }
    float mean[4], std[4];
    if (image != NULL) {
        if ((mean_text == NULL) != (std_text == NULL)) {
            rn_error("infer: give --mean and --std together");
            return RN_EXIT_USAGE;
        }
        if (mean_text == NULL && m->in_c != 3) {
            rn_error("infer: model %s takes %d input channel%s: give --mean and --std (the "
                     "normalization it was trained with); the ImageNet defaults are for 3",
                     m->name, m->in_c, m->in_c == 1 ? "" : "s");
            return RN_EXIT_USAGE;
        }
        if (m->in_c != 1 && m->in_c != 3) {
            rn_error("infer: --image: model %s takes %d input channels; images give 1 "
                     "(grayscale) or 3 (RGB)", m->name, m->in_c);
            return RN_EXIT_USAGE;
        }
        if (mean_text == NULL) {
            memcpy(mean, IMAGENET_MEAN, sizeof IMAGENET_MEAN);
            memcpy(std, IMAGENET_STD, sizeof IMAGENET_STD);
        } else if (parse_floats("--mean", mean_text, m->in_c, 0, mean) != 0 ||
                   parse_floats("--std", std_text, m->in_c, 1, std) != 0) {
            return RN_EXIT_USAGE;
        }
    }
    int k = (int)(topk ? topk : 5);
    k = k < m->classes ? k : m->classes;
    const int show = image != NULL || topk != 0 || labels_path != NULL;
    char *label_buf = NULL, **labels = NULL;
    if (labels_path != NULL && read_labels(labels_path, m->classes, &label_buf, &labels) != 0)
        return RN_EXIT_ERROR;

    rc = RN_EXIT_ERROR;
    rn_npy x = {0};
    float *pixels = NULL, *logits = NULL;
    const float *xs;
    int total;
    if (image != NULL) {
        rn_image img;
        if (rn_image_read(image, m->in_c, &img) != 0)
            goto done;
        pixels = rn_alloc((size_t)m->in_c * m->in_h * m->in_w * sizeof(float));
        int bad = rn_image_to_input(image, &img, m->in_h, m->in_w, fit, mean, std, pixels);
        rn_image_free(&img);
        if (bad)
            goto done;
        int64_t shape[4] = {1, m->in_c, m->in_h, m->in_w};
        if (dump != NULL && rn_npy_write_f32(dump, pixels, 4, shape) != 0)
            goto done;
        xs = pixels;
        total = 1;
    } else {
        if (rn_cli_load_input(m, input, &x) != 0)
            goto done;
        xs = x.data;
        total = (int)x.shape[0];
    }
    logits = rn_alloc(((size_t)total + 1) * (size_t)m->classes * sizeof(float));
    if (forward(m, weights, xs, total, batch, threads, logits) != 0)
        goto done;
    if (output != NULL) {
        int64_t shape[2] = {total, m->classes};
        if (rn_npy_write_f32(output, logits, 2, shape) != 0)
            goto done;
    }
    if (show)
        for (int i = 0; i < total; i++) {
            char what[64];
            snprintf(what, sizeof what, "image %d", i);
            print_topk(image ? image : what, logits + (size_t)i * m->classes, m->classes, k,
                       labels);
        }
    rc = RN_EXIT_OK;
done:
    rn_free(logits);
    rn_free(pixels);
    if (input != NULL)
        rn_npy_free(&x);
    rn_free(labels);
    rn_free(label_buf);
    return rc;
}
