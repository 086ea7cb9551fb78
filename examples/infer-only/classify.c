/* examples/infer-only/classify.c: classification with the inference-only resnet20
 * (generated/resnet20/resnet20_infer.{c,h}), built with no resnetc runtime.
 *
 * Reads the params buffer (`resnet20 export` output: RESNET20_PARAM_BYTES bytes of
 * little-endian float32) and a float32 N x 3 x 32 x 32 .npy batch; classifies the batch in
 * one call (workspace from malloc, sized by resnet20_infer_workspace_bytes), then image by
 * image with a static workspace sized at compile time by RESNET20_INFER_BYTES(1, 1); prints
 * each image's class; checks that both agree and, when given, match an expected logits .npy
 * (e.g. written by `resnet20 infer` of the full model): relative L2 error below 1e-5 and the
 * same class for every image. Exit status 0 when the checks pass.
 *
 * usage: classify PARAMS.bin INPUT.npy [EXPECTED_LOGITS.npy]
 *        classify builtin INPUT.npy [EXPECTED_LOGITS.npy]
 * `builtin`: compiled with -DEMBEDDED_PARAMS and linked with the C source that
 * `resnet20 export --format c` writes (`make embedded PARAMS_C=...`): no file to read.
 */
#include "resnet20_infer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef EMBEDDED_PARAMS
extern const float resnet20_params[RESNET20_PARAM_BUFFER_FLOATS];
#endif

/* Memory for one image on one thread, sized by the generated header's macro. */
static float one_image_workspace[RESNET20_INFER_BYTES(1, 1) / sizeof(float)];

/* Read a whole file; NULL with a message on failure. */
static unsigned char *slurp(const char *path, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "classify: cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf == NULL)
        fprintf(stderr, "classify: out of memory reading %s\n", path);
    *bytes = n;
    return buf;
}

/* A float32 little-endian C-order .npy (version 1 or 2); its data and shape, or NULL. */
static float *read_npy(const char *path, long shape[4], int *ndim)
{
    size_t bytes;
    unsigned char *b = slurp(path, &bytes);
    if (b == NULL)
        return NULL;
    size_t hlen = 0, start = 0;
    if (bytes >= 10 && memcmp(b, "\x93NUMPY", 6) == 0) {
        hlen = b[6] == 1 ? (size_t)(b[8] | b[9] << 8)
                         : (bytes >= 12 ? (size_t)(b[8] | b[9] << 8 | b[10] << 16 | (size_t)b[11] << 24) : 0);
        start = (b[6] == 1 ? 10 : 12) + hlen;
    }
    char header[512] = "";
    if (start > 0 && start <= bytes && hlen < sizeof header)
        memcpy(header, b + start - hlen, hlen);
    const char *sh = strstr(header, "'shape': (");
    if (!strstr(header, "'descr': '<f4'") || !strstr(header, "'fortran_order': False") || !sh) {
        fprintf(stderr, "classify: %s: expected a float32 little-endian C-order .npy\n", path);
        free(b);
        return NULL;
    }
    size_t count = 1;
    char *p = (char *)sh + 10;
    for (*ndim = 0; *ndim < 4 && *p != ')'; (*ndim)++) {
        shape[*ndim] = strtol(p, &p, 10);
        count *= (size_t)shape[*ndim];
        while (*p == ',' || *p == ' ')
            p++;
    }
    if (*p != ')' || bytes - start != count * 4) {
        fprintf(stderr, "classify: %s: shape and size disagree\n", path);
        free(b);
        return NULL;
    }
    float *data = malloc(count * sizeof(float) + 1);
    if (data)
        memcpy(data, b + start, count * 4);
    free(b);
    return data;
}

static double rel_l2(const float *a, const float *b, size_t count)
{
    double d = 0, r = 0;
    for (size_t i = 0; i < count; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        r += (double)b[i] * b[i];
    }
    return sqrt(d) / (sqrt(r) + 1e-30);
}

static int argmax(const float *z)
{
    int best = 0;
    for (int k = 1; k < RESNET20_CLASSES; k++)
        best = z[k] > z[best] ? k : best;
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: classify PARAMS.bin|builtin INPUT.npy [EXPECTED_LOGITS.npy]\n");
        return 2;
    }
    size_t bytes = RESNET20_PARAM_BYTES;
    float *params = NULL;
#ifdef EMBEDDED_PARAMS
    if (strcmp(argv[1], "builtin") == 0) {
        params = malloc(RESNET20_PARAM_BYTES);
        if (params)
            memcpy(params, resnet20_params, RESNET20_PARAM_BYTES);
    } else
#endif
        params = (float *)slurp(argv[1], &bytes);
    if (params == NULL)
        return 1;
    if (bytes != RESNET20_PARAM_BYTES) {
        fprintf(stderr, "classify: %s: %zu bytes, expected %zu (resnet20 export output)\n", argv[1],
                bytes, (size_t)RESNET20_PARAM_BYTES);
        return 1;
    }
    long shape[4];
    int ndim;
    float *x = read_npy(argv[2], shape, &ndim);
    if (x == NULL)
        return 1;
    if (ndim != 4 || shape[1] != RESNET20_IN_C || shape[2] != RESNET20_IN_H || shape[3] != RESNET20_IN_W ||
        shape[0] < 1) {
        fprintf(stderr, "classify: %s is not N x 3 x 32 x 32\n", argv[2]);
        return 1;
    }
    int n = (int)shape[0];
    size_t nk = (size_t)n * RESNET20_CLASSES, per = RESNET20_IN_C * RESNET20_IN_H * RESNET20_IN_W;
    float *logits = malloc(nk * sizeof(float)), *single = malloc(nk * sizeof(float));

    /* the whole batch in one call, 2 threads (1 without OpenMP) */
    size_t ws = resnet20_infer_workspace_bytes(n, 2);
    void *workspace = malloc(ws);
    if (!logits || !single || !workspace || resnet20_infer(params, x, n, logits, workspace, ws, 2) != 0) {
        fprintf(stderr, "classify: inference failed\n");
        return 1;
    }
    /* image by image in static memory */
    for (int i = 0; i < n; i++)
        if (resnet20_infer(params, x + (size_t)i * per, 1, single + (size_t)i * RESNET20_CLASSES,
                           one_image_workspace, sizeof one_image_workspace, 1) != 0) {
            fprintf(stderr, "classify: inference of image %d failed\n", i);
            return 1;
        }
    for (int i = 0; i < n; i++)
        printf("image %d: class %d\n", i, argmax(logits + (size_t)i * RESNET20_CLASSES));
    printf("workspace: %zu bytes for the batch of %d on 2 threads, %zu for one image; params %zu bytes\n",
           ws, n, sizeof one_image_workspace, (size_t)RESNET20_PARAM_BYTES);

    int fail = 0;
    double e = rel_l2(single, logits, nk);
    printf("one image at a time vs the batch: relative L2 %.3g\n", e);
    fail |= !(e < 1e-5);
    if (argc == 4) {
        long yshape[4];
        int yndim;
        float *y = read_npy(argv[3], yshape, &yndim);
        if (y == NULL)
            return 1;
        int same = yndim == 2 && yshape[0] == n && yshape[1] == RESNET20_CLASSES;
        e = same ? rel_l2(logits, y, nk) : INFINITY;
        for (int i = 0; same && i < n; i++)
            same = argmax(logits + (size_t)i * RESNET20_CLASSES) == argmax(y + (size_t)i * RESNET20_CLASSES);
        printf("logits vs %s: relative L2 %.3g, classes %s\n", argv[3], e, same ? "equal" : "DIFFER");
        fail |= !(e < 1e-5) || !same;
        free(y);
    }
    free(workspace);
    free(single);
    free(logits);
    free(x);
    free(params);
    puts(fail ? "FAILED" : "ok");
    return fail;
}
