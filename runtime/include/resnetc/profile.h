/* resnetc/profile.h: per-statement timing of a model's schedules (rn_run.profile) and its
 * report: time per generated function, forward and backward, so the next bottleneck shows. */
#ifndef RESNETC_PROFILE_H
#define RESNETC_PROFILE_H

#include <stdio.h>

#include "resnetc/model.h"

/* Print, for `iters` profiled steps, each kernel's total milliseconds per step grouped by
 * schedule and kernel name (largest first), with its share of the schedule and the layers'
 * GFLOP/s where the kernel is a convolution or fc; then the schedules' totals. */
void rn_profile_print(const rn_model *m, const double *profile, int iters, int batch, FILE *out);

#endif /* RESNETC_PROFILE_H */
