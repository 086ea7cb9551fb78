/* rng.c: PCG32 (XSH RR 64/32), see resnetc/rng.h. */
#include "resnetc/rng.h"

#include <math.h>

void rn_rng_seed(rn_rng *r, uint64_t seed, uint64_t stream)
{
    r->state = 0u;
    r->inc = (stream << 1u) | 1u;
    rn_rng_u32(r);
    r->state += seed;
    rn_rng_u32(r);
}

uint32_t rn_rng_u32(rn_rng *r)
{
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

uint32_t rn_rng_below(rn_rng *r, uint32_t bound)
{
    uint32_t threshold = (0u - bound) % bound;   /* reject the biased low range */
    for (;;) {
        uint32_t x = rn_rng_u32(r);
        if (x >= threshold)
            return x % bound;
    }
}

float rn_rng_uniform(rn_rng *r)
{
    return (float)(rn_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

float rn_rng_normal(rn_rng *r)
{
    /* u1 in (0, 1] so the log is finite. */
    double u1 = ((double)(rn_rng_u32(r) >> 8) + 1.0) / 16777216.0;
    double u2 = (double)(rn_rng_u32(r) >> 8) / 16777216.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
