/* test_loader.c: the batch loader. Each epoch is a permutation (every image exactly once),
 * the threaded loader yields bit-identical batches to the synchronous one, a batch depends
 * only on (seed, epoch, index) so starting mid-epoch reproduces it, epochs and seeds differ,
 * the last batch is partial (or dropped), evaluation order is the data order, the
 * augmented images are what rn_transform_image gives for the documented draws, and the
 * shards of data-parallel training (2 and 3 of them) together give exactly each batch. */
#include "dt_test.h"

#include "resnetc/loader.h"
#include "resnetc/util.h"

#include <stdint.h>

enum { N = 1003, C = 2, H = 8, W = 8, B = 64 };

/* Image i: every pixel of channel 0 = i & 255, channel 1 = i >> 8; label i % 10. */
static void make_set(rn_dataset *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "synthetic");
    d->n = N;
    d->c = C;
    d->h = H;
    d->w = W;
    d->classes = 10;
    d->images = rn_alloc((size_t)N * C * H * W);
    d->labels = rn_alloc(N * sizeof(int32_t));
    for (int i = 0; i < N; i++) {
        memset(d->images + (size_t)i * C * H * W, i & 255, H * W);
        memset(d->images + (size_t)i * C * H * W + H * W, i >> 8, H * W);
        d->labels[i] = i % 10;
    }
}

static int image_id(const float *x)
{
    return (int)(x[0] + 0.5f) + 256 * (int)(x[H * W] + 0.5f);
}

static void test_permutation(const rn_dataset *d, const rn_norm *raw)
{
    rn_loader_config cfg = {B, 1, {0, 0}, 0, 1234, 1, 0, 1};
    rn_loader *l;
    CHECK(rn_loader_create(&l, d, raw, &cfg) == 0);
    CHECK(rn_loader_batches(l) == (N + B - 1) / B);
    int first_ids[2][B];
    for (int e = 0; e < 2; e++) {
        int seen[N] = {0};
        int count = 0, batches = 0;
        rn_loader_start_epoch(l, e, 0);
        const rn_batch *b;
        while ((b = rn_loader_next(l)) != NULL) {
            CHECK(b->epoch == e && b->index == batches);
            CHECK(b->n == (batches == N / B ? N % B : B));
            for (int k = 0; k < b->n; k++) {
                int id = image_id(b->x + (size_t)k * C * H * W);
                CHECK(id >= 0 && id < N);
                if (id >= 0 && id < N) {
                    seen[id]++;
                    CHECK(b->labels[k] == id % 10);
                }
                if (batches == 0)
                    first_ids[e][k] = id;
            }
            count += b->n;
            batches++;
        }
        CHECK(count == N && batches == rn_loader_batches(l));
        for (int i = 0; i < N; i++)
            CHECK(seen[i] == 1);
        CHECK(rn_loader_next(l) == NULL);
    }
    /* the two epochs are ordered differently, and neither is the identity */
    int same = 0, ident = 0;
    for (int k = 0; k < B; k++) {
        same += first_ids[0][k] == first_ids[1][k];
        ident += first_ids[0][k] == k;
    }
    CHECK(same < B / 4 && ident < B / 4);
    rn_loader_destroy(l);

    /* no shuffle: data order; drop_last drops the partial batch */
    rn_loader_config ev = {B, 0, {0, 0}, 1, 0, 1, 0, 1};
    CHECK(rn_loader_create(&l, d, raw, &ev) == 0);
    CHECK(rn_loader_batches(l) == N / B);
    rn_loader_start_epoch(l, 0, 0);
    const rn_batch *b;
    int next = 0;
    while ((b = rn_loader_next(l)) != NULL) {
        CHECK(b->n == B);
        for (int k = 0; k < b->n; k++)
            CHECK(image_id(b->x + (size_t)k * C * H * W) == next++);
    }
    CHECK(next == (N / B) * B);
    rn_loader_destroy(l);
}

/* Collect every batch of epochs [0, epochs) into one float array. */
static float *collect(const rn_dataset *d, const rn_norm *nm, rn_loader_config cfg, int epochs,
                      size_t *floats)
{
    rn_loader *l;
    if (rn_loader_create(&l, d, nm, &cfg) != 0)
        exit(1);
    size_t per_epoch = (size_t)N * C * H * W;
    float *all = rn_alloc((size_t)epochs * per_epoch * sizeof(float));
    size_t at = 0;
    for (int e = 0; e < epochs; e++) {
        rn_loader_start_epoch(l, e, 0);
        const rn_batch *b;
        while ((b = rn_loader_next(l)) != NULL) {
            memcpy(all + at, b->x, (size_t)b->n * C * H * W * sizeof(float));
            at += (size_t)b->n * C * H * W;
        }
    }
    rn_loader_destroy(l);
    *floats = at;
    return all;
}

static void test_determinism(const rn_dataset *d, const rn_norm *nm)
{
    rn_loader_config cfg = {B, 1, {2, 1}, 0, 99, 1, 0, 1};
    size_t n1, n2, n3;
    float *threaded = collect(d, nm, cfg, 3, &n1);
    cfg.threaded = 0;
    float *sync = collect(d, nm, cfg, 3, &n2);
    CHECK(n1 == n2 && n1 == 3 * (size_t)N * C * H * W);
    CHECK(memcmp(threaded, sync, n1 * sizeof(float)) == 0);
    cfg.seed = 100;
    float *other = collect(d, nm, cfg, 1, &n3);
    CHECK(memcmp(threaded, other, n3 * sizeof(float)) != 0);
    rn_free(other);

    /* start mid-epoch (as a resume does): batch 5 of epoch 2 equals the full run's */
    cfg.seed = 99;
    cfg.threaded = 1;
    rn_loader *l;
    CHECK(rn_loader_create(&l, d, nm, &cfg) == 0);
    rn_loader_start_epoch(l, 0, 3); /* abandon an epoch part-way */
    CHECK(rn_loader_next(l) != NULL);
    rn_loader_start_epoch(l, 2, 5);
    const rn_batch *b = rn_loader_next(l);
    CHECK(b != NULL && b->index == 5 && b->epoch == 2);
    size_t off = (2 * (size_t)N + 5 * (size_t)B) * C * H * W;
    if (b != NULL)
        CHECK(memcmp(b->x, threaded + off, (size_t)B * C * H * W * sizeof(float)) == 0);
    int rest = 1;
    while (rn_loader_next(l) != NULL)
        rest++;
    CHECK(rest == rn_loader_batches(l) - 5);
    rn_loader_destroy(l);

    /* the documented streams: batch 0 of epoch 1 by hand */
    uint32_t perm[N];
    for (int i = 0; i < N; i++)
        perm[i] = (uint32_t)i;
    rn_rng r;
    rn_rng_seed(&r, 99, ((uint64_t)1 << 24) | 0xFFFFFFu);
    for (int i = N - 1; i > 0; i--) {
        uint32_t j = rn_rng_below(&r, (uint32_t)i + 1u), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    rn_rng_seed(&r, 99, ((uint64_t)1 << 24) | 0u);
    float img[C * H * W];
    int match = 1;
    for (int k = 0; k < B; k++) {
        rn_crop c = rn_augment_draw(&cfg.augment, &r);
        rn_transform_image(d->images + (size_t)perm[k] * C * H * W, nm, 2, &c, img);
        match &= memcmp(img, threaded + ((size_t)N + (size_t)k) * C * H * W, sizeof img) == 0;
    }
    CHECK(match);
    rn_free(threaded);
    rn_free(sync);
}

/* Shards: for every batch of two epochs, shard 0's part, shard 1's ... in order are the
 * unsharded batch, images (augmented) and labels, bit for bit; parts differ by at most one
 * image; total is the whole batch. */
static void test_shards(const rn_dataset *d, const rn_norm *nm)
{
    const size_t chw = (size_t)C * H * W;
    for (int P = 2; P <= 3; P++) {
        rn_loader_config cfg = {B, 1, {2, 1}, 0, 99, 1, 0, 1};
        rn_loader *whole, *part[3];
        CHECK(rn_loader_create(&whole, d, nm, &cfg) == 0);
        for (int s = 0; s < P; s++) {
            rn_loader_config sc = cfg;
            sc.shard = s;
            sc.shards = P;
            sc.threaded = s % 2; /* both kinds */
            CHECK(rn_loader_create(&part[s], d, nm, &sc) == 0);
        }
        int batches = 0, mismatches = 0;
        for (int e = 0; e < 2; e++) {
            rn_loader_start_epoch(whole, e, 0);
            for (int s = 0; s < P; s++)
                rn_loader_start_epoch(part[s], e, 0);
            const rn_batch *b;
            while ((b = rn_loader_next(whole)) != NULL) {
                int at = 0;
                for (int s = 0; s < P; s++) {
                    const rn_batch *q = rn_loader_next(part[s]);
                    if (q == NULL || q->index != b->index || q->total != b->n ||
                        q->n < b->n / P || q->n > b->n / P + 1 || at + q->n > b->n) {
                        mismatches++;
                        break;
                    }
                    if (memcmp(q->x, b->x + (size_t)at * chw, (size_t)q->n * chw * sizeof(float)) ||
                        memcmp(q->labels, b->labels + at, (size_t)q->n * sizeof(int32_t)))
                        mismatches++;
                    at += q->n;
                }
                mismatches += at != b->n;
                batches++;
            }
            for (int s = 0; s < P; s++)
                CHECK(rn_loader_next(part[s]) == NULL);
        }
        CHECK(batches == 2 * ((N + B - 1) / B));
        CHECK(mismatches == 0);
        rn_loader_destroy(whole);
        for (int s = 0; s < P; s++)
            rn_loader_destroy(part[s]);
    }
    rn_loader *l;
    rn_loader_config bad = {B, 1, {0, 0}, 0, 0, 1, 2, 2};
    dt_capture_begin();
    CHECK(rn_loader_create(&l, d, nm, &bad) == -1);
    CHECK_MSG(dt_capture_end(), "shard", "does not exist");
}

int main(void)
{
    dt_mkdir();
    rn_dataset d;
    make_set(&d);
    rn_norm raw, chan;
    /* identity normalization (scale 1) so the tests read back image ids */
    CHECK(rn_norm_compute(&raw, &d, RN_NORM_NONE) == 0);
    for (int i = 0; i < C * H * W; i++)
        raw.scale[i] = 1.0f;
    CHECK(rn_norm_compute(&chan, &d, RN_NORM_CHANNEL) == 0);
    test_permutation(&d, &raw);
    test_determinism(&d, &chan);
    test_shards(&d, &chan);
    rn_loader *l;
    rn_loader_config bad = {0, 1, {0, 0}, 0, 0, 1, 0, 1};
    dt_capture_begin();
    CHECK(rn_loader_create(&l, &d, &chan, &bad) == -1);
    bad.batch = 2000;
    bad.drop_last = 1;
    CHECK(rn_loader_create(&l, &d, &chan, &bad) == -1);
    const char *msg = dt_capture_end();
    CHECK_MSG(msg, "batch", "no full batch");
    rn_norm_free(&raw);
    rn_norm_free(&chan);
    rn_dataset_free(&d);
    return dt_finish("test_data_loader");
}
