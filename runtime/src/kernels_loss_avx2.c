/* kernels_loss_avx2.c: the AVX2 lanes of rn_softmax_xent_fast (kernels_loss_fast.c): SLEEF's
 * 8-float exp and log, 1 ulp. Compiled with -mavx2 -mfma on x86-64 only (runtime/CMakeLists.txt);
 * called only after the CPU was found to have AVX2 and FMA. */
#include <immintrin.h>
#include <sleef.h>

void rn_loss_exp8_avx2(const float *in, float *out);
void rn_loss_log8_avx2(const float *in, float *out);

void rn_loss_exp8_avx2(const float *in, float *out)
{
    _mm256_storeu_ps(out, Sleef_expf8_u10(_mm256_loadu_ps(in)));
}

void rn_loss_log8_avx2(const float *in, float *out)
{
    _mm256_storeu_ps(out, Sleef_logf8_u10(_mm256_loadu_ps(in)));
}
