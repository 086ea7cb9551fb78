/* cmd_summary.c: `<model> summary [--batch B]`: the generator's layer table, then the
 * memory a run needs (from rn_run_bytes). Runs nothing. */
#include "resnetc/args.h"
#include "resnetc/cli.h"
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <stdio.h>
#include <string.h>

static void line(const char *what, double bytes)
{
    const char *unit = "B";
    double v = bytes;
    if (bytes >= 1024.0 * 1024.0 * 1024.0) {
        v = bytes / (1024.0 * 1024.0 * 1024.0);
        unit = "GiB";
    } else if (bytes >= 1024.0 * 1024.0) {
        v = bytes / (1024.0 * 1024.0);
        unit = "MiB";
    } else if (bytes >= 1024.0) {
        v = bytes / 1024.0;
        unit = "KiB";
    }
    printf("  %-40s %14.0f bytes  (%.2f %s)\n", what, bytes, v, unit);
}

int rn_cmd_summary(const rn_model *m, int argc, char **argv)
{
    long batch = 128;
    rn_arg args[] = {
        {"--batch", RN_ARG_INT, &batch, 1, 65536, 0, "batch size for the memory figures"},
        {NULL, RN_ARG_STRING, NULL, 0, 0, 0, NULL},
    };
    int rc = rn_cli_args("summary", args, argc, argv);
    if (rc >= 0)
        return rc;

    if (m->summary && m->summary[0]) {
        fputs(m->summary, stdout);
        if (m->summary[strlen(m->summary) - 1] != '\n')
            putchar('\n');
    }
    char missing[128];
    const int runs = rn_cpu_supports(m->cpu_features, missing, sizeof missing);
    printf("\nkernels: ISA %s (CPU features needed: %s); %s\n", m->isa ? m->isa : "?",
           m->cpu_features && m->cpu_features[0] ? m->cpu_features : "none",
           runs ? "this CPU runs them" : "this CPU cannot run them");
    if (!runs)
        printf("  missing: %s\n", missing);
    size_t n = (size_t)batch;
    size_t arena = rn_run_bytes(m, (int)batch, 0);
    size_t with_dx = rn_run_bytes(m, (int)batch, 1);
    printf("\nmemory (float32), batch %ld:\n", batch);
    printf("  %-40s %14zu\n", "parameters (floats)", m->param_floats);
    line("parameters", (double)m->param_floats * 4.0);
    line("gradients (training)", (double)m->param_floats * 4.0);
    line("BN running statistics", (double)m->stats_floats * 4.0);
    line("activations, training", (double)m->train_act_floats * 4.0 * (double)n);
    line("activations, inference", (double)m->infer_act_floats * 4.0 * (double)n);
    line("work (batch-independent)", (double)m->work_floats * 4.0);
    line("input gradient (grad --input-grad)",
         (double)m->in_c * m->in_h * m->in_w * 4.0 * (double)n);
    if (arena == 0) {
        rn_error("summary: the run for batch %ld does not fit in memory", batch);
        return RN_EXIT_ERROR;
    }
    line("peak: one run (rn_run_bytes)", (double)arena);
    line("peak: one run with input gradient", (double)with_dx);
    printf("  %-40s %14.3f GMAC per image, %.3f GMAC per batch\n", "forward compute",
           (double)m->macs_per_image * 1e-9, (double)m->macs_per_image * 1e-9 * (double)n);
    return RN_EXIT_OK;
}
