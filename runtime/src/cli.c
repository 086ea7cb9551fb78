/* cli.c: `<model> <command> [flags]` dispatch, --help and --version (see resnetc/cli.h).
 * The commands themselves live in cmd_*.c. */
#include "resnetc/cli.h"
#include "resnetc/args.h"
#include "resnetc/npy.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <stdio.h>
#include <string.h>

static const rn_cli_command commands[] = {
    {"summary", "print the layer table and memory use", rn_cmd_summary},
    {"init", "write freshly initialized weights (torchvision's init) to a safetensors file",
     rn_cmd_init},
    {"infer", "run eval-mode inference on an .npy batch, write the logits", rn_cmd_infer},
    {"grad", "one training-mode forward and backward, write the gradients and the loss",
     rn_cmd_grad},
    {"train", "train on CIFAR-10 or Fashion-MNIST (SGD, schedules, checkpoints, logs)",
     rn_cmd_train},
    {"eval", "top-1 error, per-class accuracy and confusion matrix of weights", rn_cmd_eval},
    {"bench", "validated training and inference throughput, batch-1 latency", rn_cmd_bench},
    {"analyze", "std of each 3x3 layer's response (BN output) over a data set (Fig. 7)",
     rn_cmd_analyze},
    {"export", "write the params buffer of the inference-only model (raw or C source)",
     rn_cmd_export},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

int rn_cli_args(const char *cmd, rn_arg *args, int argc, char **argv)
{
    int rc = rn_args_parse(cmd, args, argc, argv);
    if (rc == 0)
        return -1;
    return rc == 1 ? RN_EXIT_OK : RN_EXIT_USAGE;
}

static void usage(const rn_model *m, FILE *out)
{
    fprintf(out,
            "usage: %s <command> [flags]\n"
            "       %s <command> --help\n"
            "       %s --version\n\n"
            "%s: %dx%dx%d input, %d classes (spec %s, kernels %s)\n\ncommands:\n",
            m->name, m->name, m->name, m->name, m->in_c, m->in_h, m->in_w, m->classes,
            m->spec ? m->spec : "?", m->isa ? m->isa : "?");
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int rn_cli_main(const rn_model *m, int argc, char **argv)
{
    if (argc < 2) {
        usage(m, stderr);
        return RN_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(m, stdout);
        return RN_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("resnetc %s: model %s (spec %s, kernels %s)\n", RESNETC_VERSION_STRING, m->name,
               m->spec ? m->spec : "?", m->isa ? m->isa : "?");
        return RN_EXIT_OK;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            /* every command but summary runs kernels: refuse before any work on a CPU
             * that lacks the ISA they were compiled for */
            if (strcmp(cmd, "summary") != 0 && !rn_model_runs_here(m))
                return RN_EXIT_ERROR;
            return commands[i].fn(m, argc - 2, argv + 2);
        }

    char list[256];
    size_t o = 0;
    list[0] = '\0';
    for (int i = 0; i < N_COMMANDS && o < sizeof list - 32; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                              commands[i].name);
    rn_error("%s: unknown command '%s': expected one of %s (try --help)", m->name, cmd, list);
    return RN_EXIT_USAGE;
}

int rn_cli_load_input(const rn_model *m, const char *path, struct rn_npy *x)
{
    if (rn_npy_read(path, RN_NPY_F32, x) != 0)
        return -1;
    if (x->ndim != 4 || x->shape[1] != m->in_c || x->shape[2] != m->in_h ||
        x->shape[3] != m->in_w) {
        char found[160];
        size_t o = (size_t)snprintf(found, sizeof found, "[");
        for (int i = 0; i < x->ndim && o < sizeof found - 24; i++)
            o += (size_t)snprintf(found + o, sizeof found - o, "%s%lld", i ? ", " : "",
                                  (long long)x->shape[i]);
        snprintf(found + o, sizeof found - o, "]");
        rn_error("%s: expected input of shape [N, %d, %d, %d] (float32 NCHW for model %s), "
                 "found %s", path, m->in_c, m->in_h, m->in_w, m->name, found);
        rn_npy_free(x);
        return -1;
    }
    if (x->shape[0] > 0x7fffffff) {
        rn_error("%s: expected at most 2^31-1 images, found %lld", path,
                 (long long)x->shape[0]);
        rn_npy_free(x);
        return -1;
    }
    return 0;
}
