/* cmd_infer.c: `<model> infer --weights W --input X.npy --output Y.npy [--batch B]
 * [--threads T]`: eval-mode forward (running BN statistics) over X (float32 N x C x H x W)
 * in chunks of at most B images; writes float32 N x classes logits atomically. */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/npy.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <stdint.h>

int rn_cmd_infer(const rn_model *m, int argc, char **argv)
{
    const char *weights = NULL, *input = NULL, *output = NULL;
    long batch = 128, threads = 1;
    rn_arg args[] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 1, "safetensors weights (PyTorch names)"},
        {"--input", RN_ARG_STRING, &input, 0, 0, 1, "float32 .npy, N x C x H x W"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 1, ".npy to write: float32 N x classes"},
        {"--batch", RN_ARG_INT, &batch, 1, 65536, 0, "images per forward pass"},
        {"--threads", RN_ARG_INT, &threads, 1, 1024, 0, "OpenMP threads"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("infer", args, argc, argv);
    if (rc >= 0)
        return rc;

    rn_npy x;
    if (rn_cli_load_input(m, input, &x) != 0)
        return RN_EXIT_ERROR;
    int total = (int)x.shape[0];
    int chunk = total < batch ? total : (int)batch;
    size_t per_image = (size_t)m->in_c * m->in_h * m->in_w;
    float *logits = rn_alloc((size_t)total * (size_t)m->classes * sizeof(float));
    rc = RN_EXIT_ERROR;
    rn_run *r = NULL;
    if (total > 0) {
        r = rn_run_create(m, chunk, 0);
        if (r == NULL)
            goto done;
        r->threads = (int)threads;
        if (rn_weights_load(m, weights, r->params, r->stats) != 0)
            goto done;
        for (int start = 0; start < total; start += chunk) {
            int n = total - start < chunk ? total - start : chunk;
            r->n = n;
            m->forward_infer(r, (const float *)x.data + (size_t)start * per_image,
                             logits + (size_t)start * (size_t)m->classes);
        }
    } else {
        /* Nothing to run, but the weights must still be valid for this model. */
        float *params = rn_alloc(m->param_floats * sizeof(float));
        float *stats = rn_alloc(m->stats_floats * sizeof(float));
        int ok = rn_weights_load(m, weights, params, stats) == 0;
        rn_free(params);
        rn_free(stats);
        if (!ok)
            goto done;
    }
    int64_t shape[2] = {total, m->classes};
    if (rn_npy_write_f32(output, logits, 2, shape) != 0)
        goto done;
    rc = RN_EXIT_OK;
done:
    rn_run_destroy(r);
    rn_free(logits);
    rn_npy_free(&x);
    return rc;
}
