/* safetensors_internal.h (private to the runtime): what the safetensors reader
 * (safetensors_read.c) and writer (safetensors_write.c) share beyond the public
 * resnetc/safetensors.h: the header size limit, the data section's checksum and the
 * growing of their rn_alloc arrays.
 */
#ifndef RESNETC_SAFETENSORS_INTERNAL_H
#define RESNETC_SAFETENSORS_INTERNAL_H

#include "resnetc/util.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The reference implementation's limit on the JSON header (bytes). */
#define RN_ST_MAX_HEADER 100000000ull

/* CRC-32 (zlib's) of `bytes` bytes, continued from crc (0 to start) (safetensors_read.c). */
uint32_t rn_st_crc32(uint32_t crc, const unsigned char *p, size_t bytes);

/* An rn_alloc block of `bytes` holding the first `used` bytes of p, an rn_alloc block
 * (or NULL) that is freed: rn_alloc's blocks are aligned, so there is no realloc. */
static inline void *rn_st_resize(void *p, size_t used, size_t bytes)
{
    void *q = rn_alloc(bytes);
    if (used)
        memcpy(q, p, used);
    rn_free(p);
    return q;
}

/* The capacity after `cap` for arrays grown one element at a time: doubled (16 first). */
static inline int rn_st_grown(int cap)
{
    return cap ? 2 * cap : 16;
}

#endif /* RESNETC_SAFETENSORS_INTERNAL_H */
