/* resnetc/rng.h: the one random number generator of resnetc (initialization, shuffling,
 * augmentation). PCG32 (O'Neill): small state, reproducible on every platform, and its
 * whole state fits in a checkpoint as two integers. */
#ifndef RESNETC_RNG_H
#define RESNETC_RNG_H

#include <stdint.h>

typedef struct rn_rng {
    uint64_t state;
    uint64_t inc;      /* stream selector, always odd */
} rn_rng;

/* Seed a generator; different streams give independent sequences for one seed. */
void rn_rng_seed(rn_rng *r, uint64_t seed, uint64_t stream);
/* Uniform 32-bit integer. */
uint32_t rn_rng_u32(rn_rng *r);
/* Uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint32_t rn_rng_below(rn_rng *r, uint32_t bound);
/* Uniform float in [0, 1) with 24 random bits. */
float rn_rng_uniform(rn_rng *r);
/* Standard normal (Box-Muller; consumes two uniforms per call, deterministic). */
float rn_rng_normal(rn_rng *r);

#endif /* RESNETC_RNG_H */
