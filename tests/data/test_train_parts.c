/* test_train_parts.c: the model-independent pieces of train.c on a hand-made tensor table:
 * HWIO <-> OIHW conversion (index by index, and round trip), zero-init of the last BN
 * weight of basic and bottleneck blocks (and nothing else). */
#include "dt_test.h"

#include "resnetc/train.h"
#include "resnetc/weights.h"
#include "resnetc/util.h"

static void test_layout(void)
{
    /* conv O=3, I=2, KH=2, KW=3: torch[o][i][a][b] <-> internal[a][b][i][o] */
    rn_tensor_info t = {"conv1.weight", RN_CONV_WEIGHT, 4, {3, 2, 2, 3}, 0, 36};
    float internal[36], torch[36], back[36];
    for (int k = 0; k < 36; k++)
        internal[k] = (float)k;
    rn_tensor_to_torch(&t, internal, torch);
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 2; i++)
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 3; b++)
                    CHECK(torch[((o * 2 + i) * 2 + a) * 3 + b] ==
                          internal[((a * 3 + b) * 2 + i) * 3 + o]);
    rn_tensor_from_torch(&t, torch, back);
    CHECK(memcmp(back, internal, sizeof back) == 0);
    /* other roles are copied */
    rn_tensor_info fc = {"fc.weight", RN_FC_WEIGHT, 2, {4, 9}, 0, 36};
    rn_tensor_to_torch(&fc, internal, torch);
    CHECK(memcmp(torch, internal, sizeof torch) == 0);
}

static const rn_tensor_info tensors[] = {
    {"conv1.weight", RN_CONV_WEIGHT, 4, {2, 1, 1, 1}, 0, 2},
    {"bn1.weight", RN_BN_WEIGHT, 1, {2}, 2, 2},
    {"layer1.0.bn1.weight", RN_BN_WEIGHT, 1, {2}, 4, 2},
    {"layer1.0.bn2.weight", RN_BN_WEIGHT, 1, {2}, 6, 2},     /* basic block: zeroed */
    {"layer1.0.bn2.bias", RN_BN_BIAS, 1, {2}, 8, 2},
    {"layer2.0.bn2.weight", RN_BN_WEIGHT, 1, {2}, 10, 2},    /* bottleneck: kept */
    {"layer2.0.bn3.weight", RN_BN_WEIGHT, 1, {2}, 12, 2},    /* zeroed */
    {"layer2.0.downsample.1.weight", RN_BN_WEIGHT, 1, {2}, 14, 2},
    {"layer12.3.bn2.weight", RN_BN_WEIGHT, 1, {2}, 16, 2},   /* zeroed */
    {"fc.bias", RN_FC_BIAS, 1, {2}, 18, 2},
};

static void test_zero_init(void)
{
    rn_model m;
    memset(&m, 0, sizeof m);
    m.name = "fake";
    m.tensors = tensors;
    m.n_tensors = (int)(sizeof tensors / sizeof tensors[0]);
    m.param_floats = 20;
    float p[20];
    for (int i = 0; i < 20; i++)
        p[i] = 1.0f;
    CHECK(rn_zero_init_residual(&m, p) == 3);
    for (int i = 0; i < 20; i++) {
        int zero = (i >= 6 && i < 8) || (i >= 12 && i < 14) || (i >= 16 && i < 18);
        CHECK(p[i] == (zero ? 0.0f : 1.0f));
    }
}

int main(void)
{
    dt_mkdir();
    test_layout();
    test_zero_init();
    rn_train_options o;
    rn_train_defaults(&o);
    CHECK(o.batch == 128 && o.schedule == RN_SCHED_PAPER && o.lr == 0.1);
    CHECK(o.sgd.momentum == 0.9f && o.sgd.weight_decay == 1e-4f && o.pad == -1);
    return dt_finish("test_data_train_parts");
}
