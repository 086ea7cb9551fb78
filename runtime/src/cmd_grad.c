/* cmd_grad.c: `<model> grad --weights W --input X.npy --labels L.npy --output G.safetensors
 * [--input-grad DX.npy] [--label-smoothing E] [--bn-momentum M] [--threads T]`: one
 * training-mode forward over the whole batch, mean softmax cross-entropy, backward; writes
 * the gradient of every parameter (PyTorch names and layout) and the loss (0-d "loss"),
 * and optionally d(loss)/d(input) as float32 NCHW .npy. Running statistics are updated in
 * memory only (not written). */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/kernels.h"
#include "resnetc/npy.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <stdint.h>

int rn_cmd_grad(const rn_model *m, int argc, char **argv)
{
    const char *weights = NULL, *input = NULL, *labels_path = NULL, *output = NULL;
    const char *input_grad = NULL;
    double smoothing = 0.0, momentum = 0.1;
    long threads = 1;
    rn_arg args[] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 1, "safetensors weights (PyTorch names)"},
        {"--input", RN_ARG_STRING, &input, 0, 0, 1, "float32 .npy, N x C x H x W"},
        {"--labels", RN_ARG_STRING, &labels_path, 0, 0, 1, "int64 .npy, N labels"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 1, "safetensors file for the gradients"},
        {"--input-grad", RN_ARG_STRING, &input_grad, 0, 0, 0,
         ".npy to write d(loss)/d(input), float32 NCHW"},
        {"--label-smoothing", RN_ARG_FLOAT, &smoothing, 0, 0.999, 0,
         "as CrossEntropyLoss(label_smoothing=)"},
        {"--bn-momentum", RN_ARG_FLOAT, &momentum, 0, 1, 0, "BN running-statistics momentum"},
        {"--threads", RN_ARG_INT, &threads, 1, 1024, 0, "OpenMP threads"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("grad", args, argc, argv);
    if (rc >= 0)
        return rc;

    rn_npy x, y;
    if (rn_cli_load_input(m, input, &x) != 0)
        return RN_EXIT_ERROR;
    if (rn_npy_read(labels_path, RN_NPY_I64, &y) != 0) {
        rn_npy_free(&x);
        return RN_EXIT_ERROR;
    }
    rc = RN_EXIT_ERROR;
    int32_t *labels = NULL;
    float *logits = NULL, *dlogits = NULL;
    rn_run *r = NULL;
    int n = (int)x.shape[0];
    if (n == 0) {
        rn_error("%s: expected at least one image, found 0", input);
        goto done;
    }
    if (y.ndim != 1 || y.shape[0] != n) {
        rn_error("%s: expected labels of shape [%d] (one per image of %s), found %d-d array "
                 "with %zu values", labels_path, n, input, y.ndim, y.count);
        goto done;
    }
    labels = rn_alloc((size_t)n * sizeof(int32_t));
    for (int i = 0; i < n; i++) {
        int64_t v = ((const int64_t *)y.data)[i];
        if (v < 0 || v >= m->classes) {
            rn_error("%s: label %d: expected a class in [0, %d), found %lld", labels_path, i,
                     m->classes, (long long)v);
            goto done;
        }
        labels[i] = (int32_t)v;
    }
    r = rn_run_create(m, n, input_grad != NULL);
    if (r == NULL)
        goto done;
    r->threads = (int)threads;
    r->bn_momentum = (float)momentum;
    if (rn_weights_load(m, weights, r->params, r->stats) != 0)
        goto done;
    rn_run_params_changed(r);
    logits = rn_alloc((size_t)n * (size_t)m->classes * sizeof(float));
    dlogits = rn_alloc((size_t)n * (size_t)m->classes * sizeof(float));
    m->forward_train(r, (const float *)x.data, logits);
    float loss = rn_softmax_xent_fast(logits, labels, n, m->classes, (float)smoothing, dlogits);
    m->backward(r, dlogits);
    if (input_grad != NULL) {
        int64_t shape[4] = {n, m->in_c, m->in_h, m->in_w};
        if (rn_npy_write_f32(input_grad, r->dinput, 4, shape) != 0)
            goto done;
    }
    if (rn_grads_save(m, output, r->grads, loss) != 0)
        goto done;
    rc = RN_EXIT_OK;
done:
    rn_run_destroy(r);
    rn_free(labels);
    rn_free(logits);
    rn_free(dlogits);
    rn_npy_free(&x);
    rn_npy_free(&y);
    return rc;
}
