/* cmd_init.c: `<model> init --seed S --output W.safetensors`: torchvision-style initial
 * weights (rn_weights_init), written atomically in PyTorch layout. */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <stdint.h>

int rn_cmd_init(const rn_model *m, int argc, char **argv)
{
    long seed = 0;
    const char *output = NULL;
    rn_arg args[] = {
        {"--seed", RN_ARG_INT, &seed, 0, 9.2e18, 0, "random seed (one seed, one set of weights)"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 1, "safetensors file to write"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("init", args, argc, argv);
    if (rc >= 0)
        return rc;
    float *params = rn_alloc(m->param_floats * sizeof(float));
    float *stats = rn_alloc(m->stats_floats * sizeof(float));
    rn_weights_init(m, (uint64_t)seed, params, stats);
    rc = rn_weights_save(m, output, params, stats) == 0 ? RN_EXIT_OK : RN_EXIT_ERROR;
    rn_free(params);
    rn_free(stats);
    return rc;
}
