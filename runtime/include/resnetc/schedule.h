/* resnetc/schedule.h: learning-rate schedules, lr as a pure function of the iteration.
 *
 * t counts optimizer steps from 0; the lr of step t is used for the update made at step t.
 * Kinds (base = the --lr value, T = total iterations, W = warm-up iterations):
 *   constant  base.
 *   paper     He et al. 2016 (CIFAR): base, /10 at iteration 32000 and again at 48000
 *             (T is 64000 by default); with W > 0 the first W iterations use base/10
 *             (the paper's 0.01 warm-up for ResNet-110: W = 400).
 *   step      base * gamma^k, k = number of milestones m (fractions of T) with
 *             t >= floor(m * T); with W > 0 a linear warm-up first (below).
 *   cosine    t < W: linear warm-up base * (t+1) / W; then
 *             base * (1 + cos(pi * (t-W) / (T-W))) / 2  (PyTorch CosineAnnealingLR, eta_min 0).
 *   onecycle  PyTorch OneCycleLR (two phases, max_lr = base, div_factor 25,
 *             final_div_factor 1e4): phase 1 from base/25 at t = 0 up to base at
 *             t = E = W - 1 (W = 0: pct_start 0.3, E = 0.3 * T - 1 as PyTorch computes it),
 *             phase 2 from base at E down to base/25/1e4 at t = T - 1; each annealed by
 *             cosine, start + (end-start) * (1 - cos(pi * pct)) / 2, or linearly with
 *             anneal_linear. Momentum is not cycled.
 * Does not touch the optimizer; the training loop asks for the lr of each step.
 */
#ifndef RESNETC_SCHEDULE_H
#define RESNETC_SCHEDULE_H

#include <stdint.h>

typedef enum rn_sched_kind {
    RN_SCHED_CONSTANT = 0,
    RN_SCHED_PAPER = 1,
    RN_SCHED_STEP = 2,
    RN_SCHED_COSINE = 3,
    RN_SCHED_ONECYCLE = 4
} rn_sched_kind;

#define RN_SCHED_MAX_MILESTONES 16

typedef struct rn_schedule {
    rn_sched_kind kind;
    double base_lr;
    int64_t total;          /* T: iterations of the whole run */
    int64_t warmup;         /* W */
    int n_milestones;       /* step: fractions of T, increasing, in (0, 1) */
    double milestones[RN_SCHED_MAX_MILESTONES];
    double gamma;           /* step: 0.1 */
    double div_factor;      /* onecycle: 25 */
    double final_div;       /* onecycle: 1e4 */
    int anneal_linear;      /* onecycle: 0 cosine, 1 linear */
} rn_schedule;

/* Iterations of the paper schedule: milestones and the default total. */
enum { RN_PAPER_M1 = 32000, RN_PAPER_M2 = 48000, RN_PAPER_TOTAL = 64000 };

/* Parse "constant", "paper", "step", "cosine" or "onecycle". Returns 0 or -1. */
int rn_schedule_parse_kind(const char *s, rn_sched_kind *kind);
const char *rn_schedule_kind_name(rn_sched_kind kind);
/* Defaults for a kind: milestones 0.5,0.75, gamma 0.1, div 25, final_div 1e4, cosine. */
void rn_schedule_init(rn_schedule *s, rn_sched_kind kind, double base_lr, int64_t total,
                      int64_t warmup);
/* Parse a comma-separated list of fractions ("0.5,0.75") into s->milestones. 0 or -1. */
int rn_schedule_parse_milestones(rn_schedule *s, const char *list);
/* Check the settings (total >= 1, warm-up < total where it matters, milestones). 0 or -1. */
int rn_schedule_check(const rn_schedule *s);
/* The learning rate of step t (t >= 0; steps past T keep the last value of the formula). */
double rn_schedule_lr(const rn_schedule *s, int64_t t);

#endif /* RESNETC_SCHEDULE_H */
