/* maxpool_cases.h: the generated max-pooling kernels that tests/gen/maxpool_kernels.lua
 * renders (one entry per window shape), as check_maxpool.c calls them. */
#ifndef MAXPOOL_CASES_H
#define MAXPOOL_CASES_H

#include <stddef.h>

typedef struct {
    int h, w, c, kh, kw, stride, pad;
    void (*fwd)(size_t n, const float *x, float *y, int threads);
    void (*bwd)(size_t n, const float *x, const float *dy, float *dx, int threads);
    void (*bwd_acc)(size_t n, const float *x, const float *dy, float *dx, int threads);
} gen_maxpool_case;

extern const gen_maxpool_case gen_maxpool_cases[];
extern const int gen_maxpool_count;

#endif
