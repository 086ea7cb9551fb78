/* resnetc/model.h: the contract between a generated model and the runtime.
 *
 * Every generated model (generated/<name>/<name>.c) defines one `const rn_model`
 * describing its tensors and pointing at its generated schedules. The runtime
 * (weights I/O, initialization, training, the command line) is written against this
 * struct only, so it serves every model. It does not describe kernels: those are
 * private to each generated file.
 *
 * Layouts. Activations inside a model are NHWC float32. The network's input and the
 * gradient of the input are NCHW float32 (PyTorch's layout), converted at the boundary.
 * Parameters live in one contiguous float buffer (`params`); their gradients in a second
 * buffer of the same size and layout (`grads`), so an optimizer or an all-reduce sees one
 * flat vector. Conv weights are stored HWIO ([kh][kw][in][out]) inside that buffer;
 * safetensors files hold PyTorch's OIHW, and the runtime converts on load and save.
 * BN running statistics live in a third buffer (`stats`).
 */
#ifndef RESNETC_MODEL_H
#define RESNETC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define RESNETC_VERSION_MAJOR 0
#define RESNETC_VERSION_MINOR 1
#define RESNETC_VERSION_PATCH 0
#define RESNETC_VERSION_STRING "0.1.0"

/* What a tensor is: decides its storage buffer, internal layout, initialization
 * and whether weight decay applies. */
typedef enum rn_role {
    RN_CONV_WEIGHT = 0, /* params; torch OIHW, stored HWIO; He normal (fan_out) */
    RN_BN_WEIGHT = 1,   /* params; [C]; init 1 */
    RN_BN_BIAS = 2,     /* params; [C]; init 0 */
    RN_FC_WEIGHT = 3,   /* params; [out][in] as torch; uniform(+-1/sqrt(in)) */
    RN_FC_BIAS = 4,     /* params; [out]; uniform(+-1/sqrt(in)) */
    RN_BN_MEAN = 5,     /* stats;  [C]; init 0 */
    RN_BN_VAR = 6       /* stats;  [C]; init 1 */
} rn_role;

/* One named tensor of the model, in torchvision's naming. */
typedef struct rn_tensor_info {
    const char *name;   /* e.g. "layer2.0.downsample.0.weight" */
    rn_role role;
    int ndim;
    int shape[4];       /* PyTorch shape (OIHW for conv weights) */
    size_t offset;      /* in floats, into params (and grads) or into stats */
    size_t count;       /* number of floats */
} rn_tensor_info;

/* The layer graph as data, for the reference executor (resnetc/reference.h), profiles and
 * tools; the generated schedules do not read it. */
typedef enum rn_layer_kind {
    RN_LAYER_CONV = 0,       /* tensor[0] weight; k, kh, kw, stride, pad */
    RN_LAYER_BN = 1,         /* tensor[0..3] weight, bias, running_mean, running_var */
    RN_LAYER_RELU = 2,
    RN_LAYER_ADD = 3,        /* out = in[0] + in[1] */
    RN_LAYER_SHORTCUT_A = 4, /* k, stride, pad_lo */
    RN_LAYER_MAXPOOL = 5,    /* kh, kw, stride, pad */
    RN_LAYER_GAP = 6,
    RN_LAYER_FC = 7          /* tensor[0..1] weight, bias; k = out features */
} rn_layer_kind;

/* Shape of one activation (per image, NHWC); activation 0 is the network's input. */
typedef struct rn_act_info {
    int h, w, c;
} rn_act_info;

/* One layer in forward order. */
typedef struct rn_layer_info {
    const char *name;   /* torchvision module path, e.g. "layer2.0.conv1" */
    rn_layer_kind kind;
    int in[2];          /* activation indices; in[1] is -1 for one-input layers */
    int out;            /* activation index; the last layer's output is the logits */
    int k, kh, kw, stride, pad, pad_lo;
    int tensor[4];      /* indices into the tensor table, -1 where unused */
} rn_layer_info;

struct rn_run;

/* Sum buf[0..n) element-wise over the processes of a data-parallel job, in place, every
 * process receiving the same result (resnetc/dist.h provides one: rn_dist_reduce_cb). */
typedef void (*rn_reduce_fn)(void *ctx, double *buf, int n);

/* One conv layer's specialized kernels on their own (what the schedules call: forward as in
 * training, backward-data writing dx rather than adding to it), for per-kernel benchmarks and
 * tests (bench/conv_layers.c). Each runs on r->n images with min(r->threads, r->max_threads)
 * threads and the run's scratch (r->scratch, r->work); activations NHWC, weights HWIO, shapes
 * those of layers[layer]. */
typedef struct rn_conv_entry {
    int layer;                   /* index into rn_model.layers */
    const char *fwd_kernel, *bwd_data_kernel, *bwd_weights_kernel;   /* kernel names */
    void (*fwd)(struct rn_run *r, const float *x, const float *w, float *y);          /* y = conv(x, w) */
    void (*bwd_data)(struct rn_run *r, const float *dy, const float *w, float *dx);   /* dx = conv^T(dy, w) */
    void (*bwd_weights)(struct rn_run *r, const float *x, const float *dy, float *dw); /* dw = x (x) dy */
} rn_conv_entry;

/* A generated model. Sizes are in floats; activation sizes scale with the batch. */
typedef struct rn_model {
    const char *name;            /* "resnet20" */
    const char *spec;            /* the spec file it was generated from */
    const char *isa;             /* "generic", "avx2" or "avx512" (gen/isa.lua) */
    const char *cpu_features;    /* what the kernels need of the CPU, GCC names ("avx512f avx2 fma") */
    int in_c, in_h, in_w;        /* input shape (NCHW without N) */
    int classes;
    int n_tensors;
    const rn_tensor_info *tensors;
    size_t param_floats;         /* weights and biases (= grads size) */
    size_t stats_floats;         /* BN running means and variances */
    size_t train_act_floats;     /* activations per image, training plan */
    size_t infer_act_floats;     /* activations per image, inference plan */
    size_t work_floats;          /* batch-independent work (BN batch statistics, shared scratch) */
    size_t thread_scratch_floats; /* per-thread scratch (padded images, partial sums) */
    uint64_t macs_per_image;     /* forward multiply-accumulates per image */
    const char *summary;         /* the generator's per-layer table, as text */
    int n_acts;
    const rn_act_info *acts;
    int n_layers;
    const rn_layer_info *layers;
    int n_profile;               /* statements of the three schedules, in order */
    const char *const *profile_names; /* "<schedule> <layer> <kernel>" for each */
    int n_convs;                 /* conv layers, in forward order */
    const rn_conv_entry *convs;

    /* Training-mode forward: BN uses batch statistics and updates the running
     * statistics (momentum r->bn_momentum, unbiased variance), keeping what backward
     * needs in r->act (train plan). x: n x C x H x W; logits: n x classes. */
    void (*forward_train)(struct rn_run *r, const float *x, float *logits);
    /* Eval-mode forward: BN uses running statistics; r->act uses the inference plan. */
    void (*forward_infer)(struct rn_run *r, const float *x, float *logits);
    /* Backward after forward_train: overwrites r->grads with d(loss)/d(params) given
     * dlogits = d(loss)/d(logits); writes d(loss)/d(x) (NCHW) to r->dinput if non-NULL. */
    void (*backward)(struct rn_run *r, const float *dlogits);
} rn_model;

/* The state of one execution of a model on a batch of n images. The caller owns all
 * memory; rn_run_create (runtime.h) sizes and allocates it from one arena. */
typedef struct rn_run {
    const rn_model *model;
    int n;              /* images in the batch */
    int threads;        /* OpenMP threads (1: serial) */
    float bn_momentum;  /* PyTorch's default 0.1 */
    float bn_eps;       /* PyTorch's default 1e-5 */
    float *params;      /* param_floats */
    float *grads;       /* param_floats */
    float *stats;       /* stats_floats */
    float *act;         /* max(train_act_floats, infer_act_floats) * n */
    float *work;        /* work_floats */
    float *scratch;     /* max_threads * thread_scratch_floats */
    int max_threads;    /* threads the scratch is sized for; kernels use min(threads, this) */
    float *dinput;      /* optional: n * in_c * in_h * in_w, or NULL */
    double *profile;    /* optional: n_profile seconds, each statement's time added */
    /* optional: synchronized batch norm. When non-NULL, forward_train and backward call
     * bn_reduce(bn_reduce_ctx, buf, k) from thread 0 of every BN layer (the same calls,
     * in the same order, on every process) to sum the per-channel statistics over all
     * processes: BN then normalizes over the global batch (the n images of every process
     * together), as PyTorch's SyncBatchNorm. grads then holds this process's part of every
     * gradient, so that their sum over the processes is the global batch's: its own part
     * for conv and FC tensors, and for BN weights and biases the global gradient divided by
     * the process count (summed in double inside the reduction: float partial sums would
     * lose these small differences of large terms). NULL (the default): per-process
     * statistics, the single-process results bit for bit. */
    rn_reduce_fn bn_reduce;
    void *bn_reduce_ctx;
    /* The parameters' version. forward_infer keeps weights derived from params between
     * calls (rearranged conv weights, in work) and redoes them when this has moved:
     * forward_train increments it (a training step changes the parameters), and so must
     * whoever changes params otherwise once a forward_infer has run (rn_run_params_changed,
     * runtime.h); the runtime's loaders and commands do. */
    uint64_t params_epoch;
} rn_run;

#endif /* RESNETC_MODEL_H */
