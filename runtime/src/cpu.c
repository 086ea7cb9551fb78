/* cpu.c: whether this CPU has what a model's kernels were compiled for (rn_model.cpu_features,
 * from gen/isa.lua), so that a model built for AVX-512 refuses to run with a message instead
 * of dying of SIGILL on a CPU without it. */
#include "resnetc/runtime.h"
#include "resnetc/util.h"

#include <string.h>

/* One feature by its GCC name; -1 for a name this runtime does not know. */
static int has_feature(const char *name, size_t len)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
#define RN_FEATURE(s) if (len == sizeof s - 1 && memcmp(name, s, len) == 0) return __builtin_cpu_supports(s) != 0
    RN_FEATURE("avx2");
    RN_FEATURE("fma");
    RN_FEATURE("avx512f");
    RN_FEATURE("avx512vl");
    RN_FEATURE("avx512dq");
    RN_FEATURE("avx512bw");
#undef RN_FEATURE
#else
    (void)name;
    (void)len;
#endif
    return -1;
}

int rn_cpu_supports(const char *features, char *missing, size_t cap)
{
    if (cap)
        missing[0] = '\0';
    size_t used = 0;
    int ok = 1;
    for (const char *p = features ? features : ""; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len > 0 && has_feature(p, len) != 1) {
            ok = 0;
            if (cap > used + len + 1) {
                if (used)
                    missing[used++] = ' ';
                memcpy(missing + used, p, len);
                used += len;
                missing[used] = '\0';
            }
        }
        p += len;
    }
    return ok;
}

int rn_model_runs_here(const rn_model *m)
{
    char missing[128];
    if (rn_cpu_supports(m->cpu_features, missing, sizeof missing))
        return 1;
    rn_error("%s: its kernels were compiled for ISA %s, which needs the CPU features '%s'; this "
             "CPU lacks '%s'. Rebuild the model for this machine (cmake -DRESNETC_ISA=avx2 or "
             "generic)", m->name, m->isa ? m->isa : "?", m->cpu_features, missing);
    return 0;
}
