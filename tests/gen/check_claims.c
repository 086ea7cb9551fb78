/* check_claims.c: how the generated kernels split a batch among threads (templates/threads.c.in,
 * which is plain C and included here as the generated files include it).
 *
 *   rn_first_image   the threads' ranges cover 0..n-1 once, contiguous, sizes within 1
 *   rn_claim         every image taken exactly once, whatever the order the threads claim in:
 *                    owners from the front of their ranges in order, thieves from the back of
 *                    the range with the most left; a thread gets count 0 only when none are
 *                    left; groups of `per` never cross a range's end
 *   rn_next_group    with fewer images than threads, every image in order, in groups
 *   OpenMP           real threads, one of them slowed: each image once, and the fast threads
 *                    took images from the slow one's range
 * Exit 0 when all hold, 1 with the first failure named. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "threads.c.in"

static int failures;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            if (failures++ < 10) {                         \
                fprintf(stderr, "check_claims: FAIL: ");   \
                fprintf(stderr, __VA_ARGS__);              \
                fprintf(stderr, "\n");                     \
            }                                              \
        }                                                  \
    } while (0)

static void first_image(size_t n, int nt)
{
    size_t prev_end = 0;
    for (int t = 0; t < nt; t++) {
        const size_t lo = rn_first_image(n, t, nt), hi = rn_first_image(n, t + 1, nt);
        CHECK(lo == prev_end, "rn_first_image(n=%zu, nt=%d): thread %d starts at %zu, not %zu", n, nt, t, lo, prev_end);
        CHECK(hi - lo == n / (size_t)nt || hi - lo == n / (size_t)nt + 1,
              "rn_first_image(n=%zu, nt=%d): thread %d has %zu images", n, nt, t, hi - lo);
        prev_end = hi;
    }
    CHECK(prev_end == n, "rn_first_image(n=%zu, nt=%d): the ranges end at %zu", n, nt, prev_end);
}

/* nt threads claiming one after another in the order a pseudo-random schedule picks (a thread
 * picked more often runs faster); checks every claim against the rules above */
static void claims(size_t n, int nt, size_t per, unsigned seed)
{
    rn_range ranges[16];
    rn_ranges_init(ranges, n, nt);
    int *owner = calloc(n + 1, sizeof *owner);
    size_t front[16];
    int done[16] = { 0 }, left = nt;
    if (owner == NULL) {
        fprintf(stderr, "check_claims: out of memory\n");
        exit(1);
    }
    for (int t = 0; t < nt; t++)
        front[t] = rn_first_image(n, t, nt);
    srand(seed);
    while (left > 0) {
        /* thread 0 runs four times as often as each other */
        int t = rand() % (nt + 3);
        t = t >= nt ? 0 : t;
        if (done[t])
            continue;
        size_t count;
        const size_t b = rn_claim(ranges, t, nt, per, &count);
        if (count == 0) {
            done[t] = 1, left--;
            continue;
        }
        CHECK(count <= per, "n=%zu nt=%d per=%zu: thread %d got %zu images", n, nt, per, t, count);
        CHECK(b + count <= n, "n=%zu nt=%d: thread %d got images %zu to %zu", n, nt, t, b, b + count - 1);
        if (b + count > n)
            break;
        /* the images' home range, which the group must not cross */
        int home = 0;
        while (rn_first_image(n, home + 1, nt) <= b)
            home++;
        CHECK(b + count <= rn_first_image(n, home + 1, nt), "n=%zu nt=%d per=%zu: group %zu+%zu crosses range %d's end",
              n, nt, per, b, count, home);
        if (home == t) {
            CHECK(b == front[t], "n=%zu nt=%d: thread %d took %zu from its own range, not its front %zu", n, nt, t, b, front[t]);
            front[t] = b + count;
        }
        for (size_t i = b; i < b + count; i++) {
            CHECK(owner[i] == 0, "n=%zu nt=%d per=%zu: image %zu taken twice (threads %d and %d)", n, nt, per, i, owner[i] - 1, t);
            owner[i] = t + 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        CHECK(owner[i] != 0, "n=%zu nt=%d per=%zu seed=%u: image %zu never taken", n, nt, per, seed, i);
    free(owner);
}

static void next_group(size_t n, int nt, size_t per)
{
    rn_range ranges[16];
    rn_ranges_init(ranges, n, nt);
    size_t expect = 0, count;
    for (size_t b = rn_next_group(ranges, 0, 0, nt, n, per, 0, &count); count > 0;
         b = rn_next_group(ranges, 0, 0, nt, n, per, b + count, &count)) {
        CHECK(b == expect, "rn_next_group(n=%zu, per=%zu): group at %zu, not %zu", n, per, b, expect);
        CHECK(count == (n - b < per ? n - b : per), "rn_next_group(n=%zu, per=%zu): %zu images at %zu", n, per, count, b);
        expect = b + count;
    }
    CHECK(expect == n, "rn_next_group(n=%zu, per=%zu): stopped at %zu", n, per, expect);
}

#ifdef _OPENMP
/* 2 threads, thread 1 slowed by a busy wait per image: every image once, and thread 0 took
 * some of thread 1's range */
static void parallel(size_t n)
{
    int *taken = calloc(n, sizeof *taken);
    rn_range ranges[2];
    if (taken == NULL) {
        fprintf(stderr, "check_claims: out of memory\n");
        exit(1);
    }
    rn_ranges_init(ranges, n, 2);
    int stolen = 0;
    RN_PARALLEL(2)
    {
        const int tid = rn_thread(), nt = rn_threads();
        size_t count;
        for (size_t b = rn_claim(ranges, tid, 2, 1, &count); count > 0; b = rn_claim(ranges, tid, 2, 1, &count)) {
            __atomic_fetch_add(&taken[b], 1, __ATOMIC_RELAXED);
            if (tid == 0 && b >= rn_first_image(n, 1, 2))
                __atomic_store_n(&stolen, 1, __ATOMIC_RELAXED);
            if (tid == 1 && nt == 2) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                do
                    clock_gettime(CLOCK_MONOTONIC, &t1);
                while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 200000);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        CHECK(taken[i] == 1, "OpenMP, n=%zu: image %zu taken %d times", n, i, taken[i]);
    CHECK(stolen, "OpenMP, n=%zu: the fast thread took none of the slow thread's images", n);
    free(taken);
}
#endif

int main(void)
{
    static const size_t ns[] = { 0, 1, 2, 3, 5, 7, 16, 127, 128, 1000 };
    static const int nts[] = { 1, 2, 3, 4, 8, 16 };
    static const size_t pers[] = { 1, 2, 3, 5 };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t j = 0; j < sizeof nts / sizeof nts[0]; j++) {
            first_image(ns[i], nts[j]);
            for (size_t k = 0; k < sizeof pers / sizeof pers[0]; k++) {
                for (unsigned seed = 1; seed <= 5; seed++)
                    claims(ns[i], nts[j], pers[k], seed);
                next_group(ns[i], nts[j], pers[k]);
            }
        }
#ifdef _OPENMP
    parallel(64);
#endif
    if (failures) {
        fprintf(stderr, "check_claims: %d failure(s)\n", failures);
        return 1;
    }
    printf("check_claims: ok (ranges, claims under %zu schedules, groups%s)\n",
           sizeof ns / sizeof ns[0] * (sizeof nts / sizeof nts[0]) * (sizeof pers / sizeof pers[0]) * 5,
#ifdef _OPENMP
           ", 2 OpenMP threads with one slowed"
#else
           "; no OpenMP"
#endif
    );
    return 0;
}
