/* core_latency.c: how long a cache line written by one CPU takes to reach another, the cost
 * behind the threads' fixed image ranges (docs/design.md, "Threads"; templates/threads.c.in).
 *
 *   core_latency [--cpus A,B] [--trips N]
 *
 * Two threads pinned to CPUs A and B (default 0 and 1) pass a counter back and forth in one
 * cache line, each waiting for the other's store before its own; the time per round trip is
 * the median of 5 runs of N trips (default 200000). Within one core complex of current x86
 * CPUs a round trip takes some 50-150 ns; where the two CPUs sit in different complexes with
 * separate L3 caches, several times that. Linux only (sched affinity); exits 77 (CTest's
 * skip code) where the process cannot run on both CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Alignas(64) atomic_long ball;
static long trips = 200000;
static int cpu_b = 1;

/* pins the calling thread to one CPU */
static int pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

/* B: waits for each odd value and answers with the next even one */
static void *answer(void *arg)
{
    (void)arg;
    for (long i = 0; i < trips; i++) {
        while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int cpu_a = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d,%d", &cpu_a, &cpu_b) != 2 || cpu_a < 0 || cpu_b < 0 || cpu_a == cpu_b) {
                fprintf(stderr, "core_latency: --cpus wants two different CPU numbers A,B (got '%s')\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--trips") && i + 1 < argc) {
            char *end;
            errno = 0;
            trips = strtol(argv[++i], &end, 10);
            if (errno || *end || trips < 1000 || trips > 100000000) {
                fprintf(stderr, "core_latency: --trips wants an integer in [1000, 100000000] (got '%s')\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: core_latency [--cpus A,B] [--trips N]\n");
            return 2;
        }
    }
    double rt[5];
    for (int r = 0; r < 5; r++) {
        atomic_store(&ball, 0);
        if (pin(cpu_a) != 0) {
            fprintf(stderr, "core_latency: cannot run on CPU %d; skipped\n", cpu_a);
            return 77;
        }
        pthread_attr_t attr;
        cpu_set_t s;
        CPU_ZERO(&s);
        CPU_SET(cpu_b, &s);
        pthread_attr_init(&attr);
        pthread_attr_setaffinity_np(&attr, sizeof s, &s);
        pthread_t t;
        const int err = pthread_create(&t, &attr, answer, NULL);
        pthread_attr_destroy(&attr);
        if (err != 0) {
            fprintf(stderr, "core_latency: cannot start a thread on CPU %d (%s); skipped\n", cpu_b, strerror(err));
            return 77;
        }
        const double t0 = now();
        for (long i = 0; i < trips; i++) {
            atomic_store_explicit(&ball, 2 * i + 1, memory_order_release);
            while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 2)
                ;
        }
        rt[r] = (now() - t0) / (double)trips * 1e9;
        pthread_join(t, NULL);
    }
    qsort(rt, 5, sizeof rt[0], cmp);
    printf("CPUs %d and %d: a round trip of one cache line takes %.1f ns (median of 5 runs of %ld; %.1f to %.1f)\n",
           cpu_a, cpu_b, rt[2], trips, rt[0], rt[4]);
    return 0;
}
