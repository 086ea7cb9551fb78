/* cmd_export.c: `<model> export --weights W.safetensors --output FILE [--format bin|c]
 * [--symbol NAME]`: the params buffer of the inference-only model (<model>_infer.h, generated
 * with `generate --mode infer`): every parameter, then the BN running statistics, at the
 * offsets of the tensor table, conv weights HWIO. `bin`: raw little-endian float32 (exactly
 * <NAME>_PARAM_BYTES bytes); `c`: a C source defining `const float NAME[<NAME>_PARAM_BUFFER_FLOATS]`
 * (hexadecimal floats, exact) to compile into a program. Written atomically. */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/util.h"
#include "resnetc/weights.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A C identifier of at most 100 characters. */
static int is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_') || strlen(s) > 100)
        return 0;
    for (const char *c = s; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_'))
            return 0;
    return 1;
}

/* The floats as little-endian bytes, whatever the host's order. */
static unsigned char *to_le(const float *v, size_t count)
{
    unsigned char *out = rn_alloc(count * 4);
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        for (int b = 0; b < 4; b++)
            out[i * 4 + (size_t)b] = (unsigned char)(u >> (8 * b));
    }
    return out;
}

/* The floats as a C array definition; *bytes its length. NULL (after a message) if one is
 * not finite. */
static char *to_c(const rn_model *m, const char *weights, const char *symbol, const float *v,
                  size_t count, size_t *bytes)
{
    size_t cap = 512 + strlen(weights) + 2 * strlen(symbol) + count * 24;
    char *out = rn_alloc(cap);
    size_t o = (size_t)snprintf(out, cap,
                                "/* %s: params buffer of model %s (<model>_infer.h) from %s,\n"
                                " * written by `%s export`. */\n"
                                "const float %s[%zu];\n"
                                "const float %s[%zu] = {\n",
                                symbol, m->name, weights, m->name, symbol, count, symbol, count);
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(v[i])) {
            rn_error("%s: export: element %zu of the params buffer is not finite: no C literal "
                     "for it", weights, i);
            rn_free(out);
            return NULL;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s%af,%s", i % 6 == 0 ? "    " : " ",
                              (double)v[i], i % 6 == 5 || i + 1 == count ? "\n" : "");
    }
    o += (size_t)snprintf(out + o, cap - o, "};\n");
    *bytes = o;
    return out;
}

int rn_cmd_export(const rn_model *m, int argc, char **argv)
{
    const char *weights = NULL, *output = NULL, *format = "bin", *symbol = NULL;
    rn_arg args[] = {
        {"--weights", RN_ARG_STRING, &weights, 0, 0, 1, "safetensors weights (PyTorch names)"},
        {"--output", RN_ARG_STRING, &output, 0, 0, 1, "file to write"},
        {"--format", RN_ARG_STRING, &format, 0, 0, 0, "bin (raw little-endian float32) or c"},
        {"--symbol", RN_ARG_STRING, &symbol, 0, 0, 0,
         "array name for --format c (default <model>_params)"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("export", args, argc, argv);
    if (rc >= 0)
        return rc;
    int c_source = strcmp(format, "c") == 0;
    if (!c_source && strcmp(format, "bin") != 0) {
        rn_error("export: --format: expected bin or c, got '%s'", format);
        return RN_EXIT_USAGE;
    }
    char default_symbol[128];
    snprintf(default_symbol, sizeof default_symbol, "%s_params", m->name);
    if (symbol == NULL)
        symbol = default_symbol;
    if (!is_identifier(symbol)) {
        rn_error("export: --symbol: expected a C identifier, got '%s'", symbol);
        return RN_EXIT_USAGE;
    }

    size_t count = m->param_floats + m->stats_floats;
    float *buf = rn_alloc(count * sizeof(float));
    rc = RN_EXIT_ERROR;
    if (rn_weights_load(m, weights, buf, buf + m->param_floats) == 0) {
        size_t bytes = count * 4;
        void *data = c_source ? (void *)to_c(m, weights, symbol, buf, count, &bytes)
                              : (void *)to_le(buf, count);
        if (data != NULL && rn_write_file_atomic(output, data, bytes) == 0)
            rc = RN_EXIT_OK;
        rn_free(data);
    }
    rn_free(buf);
    return rc;
}
