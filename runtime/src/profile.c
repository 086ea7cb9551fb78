/* profile.c: the per-kernel profile report (see resnetc/profile.h). */
#include "resnetc/profile.h"

#include "resnetc/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
    char schedule[32];
    char kernel[96];
    double seconds;
    int calls;
} row;

static int by_time(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int s = strcmp(x->schedule, y->schedule);
    if (s)
        return s;
    return (x->seconds < y->seconds) - (x->seconds > y->seconds);
}

void rn_profile_print(const rn_model *m, const double *profile, int iters, int batch, FILE *out)
{
    row *rows = rn_alloc(sizeof(row) * (size_t)(m->n_profile + 1));
    int nrows = 0;
    for (int i = 0; i < m->n_profile; i++) {
        char sched[32] = "", layer[128] = "", kernel[96] = "";
        if (sscanf(m->profile_names[i], "%31s %127s %95s", sched, layer, kernel) != 3)
            continue;
        int j = 0;
        while (j < nrows && (strcmp(rows[j].schedule, sched) || strcmp(rows[j].kernel, kernel)))
            j++;
        if (j == nrows) {
            memset(&rows[j], 0, sizeof rows[j]);
            strcpy(rows[j].schedule, sched);
            strcpy(rows[j].kernel, kernel);
            nrows++;
        }
        rows[j].seconds += profile[i];
        rows[j].calls++;
    }
    qsort(rows, (size_t)nrows, sizeof(row), by_time);
    const char *current = "";
    double total = 0.0;
    for (int j = 0; j <= nrows; j++) {
        if (j == nrows || strcmp(rows[j].schedule, current)) {
            if (*current)
                fprintf(out, "  %-44s %9.3f ms per step (batch %d)\n\n", "total", 1e3 * total / iters, batch);
            if (j == nrows)
                break;
            current = rows[j].schedule;
            total = 0.0;
            for (int k = j; k < nrows && !strcmp(rows[k].schedule, current); k++)
                total += rows[k].seconds;
            fprintf(out, "%s:\n  %-44s %9s %6s %6s\n", current, "kernel", "ms/step", "share", "calls");
        }
        fprintf(out, "  %-44s %9.3f %5.1f%% %6d\n", rows[j].kernel, 1e3 * rows[j].seconds / iters,
                total > 0 ? 100.0 * rows[j].seconds / total : 0.0, rows[j].calls);
    }
    rn_free(rows);
}
