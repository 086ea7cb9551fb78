/* schedule.c: learning-rate schedules (see resnetc/schedule.h). Pure functions, no state. */
#include "resnetc/schedule.h"
#include "resnetc/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"constant", "paper", "step", "cosine", "onecycle"};

int rn_schedule_parse_kind(const char *s, rn_sched_kind *kind)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *kind = (rn_sched_kind)i;
            return 0;
        }
    return rn_error("--schedule: expected constant, paper, step, cosine or onecycle, got '%s'",
                    s);
}

const char *rn_schedule_kind_name(rn_sched_kind kind)
{
    return (unsigned)kind < 5 ? kind_names[kind] : "?";
}

void rn_schedule_init(rn_schedule *s, rn_sched_kind kind, double base_lr, int64_t total,
                      int64_t warmup)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->base_lr = base_lr;
    s->total = total;
    s->warmup = warmup;
    s->n_milestones = 2;
    s->milestones[0] = 0.5;
    s->milestones[1] = 0.75;
    s->gamma = 0.1;
    s->div_factor = 25.0;
    s->final_div = 1e4;
    s->anneal_linear = 0;
}

int rn_schedule_parse_milestones(rn_schedule *s, const char *list)
{
    const char *p = list;
    int n = 0;
    double prev = 0.0;
    while (*p != '\0') {
        if (n == RN_SCHED_MAX_MILESTONES)
            return rn_error("--milestones: at most %d milestones", RN_SCHED_MAX_MILESTONES);
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0 || !(v > prev) || !(v < 1.0))
            return rn_error("--milestones: expected increasing fractions in (0, 1) separated "
                            "by commas, got '%s'",
                            list);
        s->milestones[n++] = v;
        prev = v;
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return rn_error("--milestones: unexpected '%c' in '%s'", *p, list);
    }
    if (n == 0)
        return rn_error("--milestones: empty list");
    s->n_milestones = n;
    return 0;
}

int rn_schedule_check(const rn_schedule *s)
{
    if (!(s->base_lr > 0) || !isfinite(s->base_lr))
        return rn_error("--lr: must be a positive number");
    if (s->total < 1)
        return rn_error("schedule: total iterations must be >= 1");
    if (s->warmup < 0)
        return rn_error("--warmup: must be >= 0");
    switch (s->kind) {
    case RN_SCHED_COSINE:
    case RN_SCHED_STEP:
        if (s->warmup >= s->total)
            return rn_error("--warmup: %lld warm-up iterations leave none of the %lld for the "
                            "%s schedule",
                            (long long)s->warmup, (long long)s->total,
                            rn_schedule_kind_name(s->kind));
        break;
    case RN_SCHED_ONECYCLE: {
        double e1 = s->warmup > 0 ? (double)s->warmup - 1.0 : 0.3 * (double)s->total - 1.0;
        if (!(e1 > 0.0) || !(e1 < (double)s->total - 1.0))
            return rn_error("onecycle: needs a warm-up of at least 2 iterations ending before "
                            "the last (total %lld, warm-up %lld)",
                            (long long)s->total, (long long)s->warmup);
        if (!(s->div_factor > 0) || !(s->final_div > 0))
            return rn_error("onecycle: division factors must be positive");
        break;
    }
    default:
        break;
    }
    return 0;
}

#define RN_PI 3.14159265358979323846

static double anneal(double start, double end, double pct, int linear)
{
    if (linear)
        return (end - start) * pct + start;
    return end + (start - end) / 2.0 * (cos(RN_PI * pct) + 1.0);
}

double rn_schedule_lr(const rn_schedule *s, int64_t t)
{
    const double base = s->base_lr;
    if (t < 0)
        t = 0;
    switch (s->kind) {
    case RN_SCHED_CONSTANT:
        return base;
    case RN_SCHED_PAPER:
        if (t < s->warmup)
            return base * 0.1;
        if (t >= RN_PAPER_M2)
            return base * 0.01;
        if (t >= RN_PAPER_M1)
            return base * 0.1;
        return base;
    case RN_SCHED_STEP: {
        if (t < s->warmup)
            return base * (double)(t + 1) / (double)s->warmup;
        double lr = base;
        for (int i = 0; i < s->n_milestones; i++)
            if (t >= (int64_t)floor(s->milestones[i] * (double)s->total))
                lr *= s->gamma;
        return lr;
    }
    case RN_SCHED_COSINE: {
        if (t < s->warmup)
            return base * (double)(t + 1) / (double)s->warmup;
        double span = (double)(s->total - s->warmup);
        double pos = (double)(t - s->warmup);
        if (pos > span)
            pos = span;
        return base * (1.0 + cos(RN_PI * pos / span)) / 2.0;
    }
    case RN_SCHED_ONECYCLE: {
        double initial = base / s->div_factor;
        double min_lr = initial / s->final_div;
        double e1 = s->warmup > 0 ? (double)s->warmup - 1.0 : 0.3 * (double)s->total - 1.0;
        double e2 = (double)s->total - 1.0;
        double step = (double)t;
        if (step <= e1)
            return anneal(initial, base, step / e1, s->anneal_linear);
        if (step > e2)
            step = e2;
        return anneal(base, min_lr, (step - e1) / (e2 - e1), s->anneal_linear);
    }
    }
    return base;
}
