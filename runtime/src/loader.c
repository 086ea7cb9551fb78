/* loader.c: shuffled, augmented batches prepared on one background pthread with two
 * buffers (see resnetc/loader.h). The worker fills batch b into slot b % 2 while the
 * consumer uses the other slot; a generation counter discards work from a previous epoch. */
#include "resnetc/loader.h"
#include "resnetc/util.h"

#include <pthread.h>
#include <string.h>

enum { SLOT_FREE = 0, SLOT_FILLING = 1, SLOT_FULL = 2, SLOT_INUSE = 3 };

typedef struct slot {
    int state;
    rn_batch b;
} slot;

struct rn_loader {
    const rn_dataset *d;
    const rn_norm *nm;
    rn_loader_config cfg;
    size_t chw;
    int batches;
    uint32_t *perm;

    slot slots[2];
    int64_t epoch;
    int fill_next, fill_end;  /* worker: next batch to prepare, end of the epoch */
    int consume_next;         /* consumer: next batch to hand out */
    uint64_t generation;
    int quit;
    double wait_s;

    int thread_started;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

int rn_loader_batches(const rn_loader *l)
{
    return l->batches;
}

double rn_loader_wait_seconds(const rn_loader *l)
{
    return l->wait_s;
}

/* Prepare batch `index` of `epoch` into b (reads only immutable state and perm); with
 * shards, only this shard's part of it, the crops drawn for the whole batch. */
static void fill(const rn_loader *l, int64_t epoch, int index, rn_batch *b)
{
    const int B = l->cfg.batch;
    int first = index * B;
    int n = l->d->n - first < B ? l->d->n - first : B;
    int lo = 0, hi = n;
    if (l->cfg.shards > 1) {
        lo = (int)((int64_t)n * l->cfg.shard / l->cfg.shards);
        hi = (int)((int64_t)n * (l->cfg.shard + 1) / l->cfg.shards);
    }
    rn_rng r;
    rn_rng_seed(&r, l->cfg.seed, ((uint64_t)epoch << 24) | (uint64_t)index);
    int aug = l->cfg.augment.pad > 0 || l->cfg.augment.flip;
    for (int k = 0; k < hi; k++) {
        uint32_t src = l->perm[first + k];
        rn_crop c;
        if (aug)
            c = rn_augment_draw(&l->cfg.augment, &r);
        if (k < lo)
            continue;
        rn_transform_image(l->d->images + (size_t)src * l->chw, l->nm, l->cfg.augment.pad,
                           aug ? &c : NULL, b->x + (size_t)(k - lo) * l->chw);
        b->labels[k - lo] = l->d->labels[src];
    }
    b->n = hi - lo;
    b->total = n;
    b->epoch = epoch;
    b->index = index;
}

static void *worker(void *arg)
{
    rn_loader *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->quit) {
        slot *s = &l->slots[l->fill_next % 2];
        if (l->fill_next < l->fill_end && s->state == SLOT_FREE) {
            int index = l->fill_next;
            int64_t epoch = l->epoch;
            uint64_t gen = l->generation;
            s->state = SLOT_FILLING;
            pthread_mutex_unlock(&l->mu);
            fill(l, epoch, index, &s->b);
            pthread_mutex_lock(&l->mu);
            if (gen == l->generation) {
                s->state = SLOT_FULL;
                l->fill_next++;
            } else {
                s->state = SLOT_FREE;
            }
            pthread_cond_broadcast(&l->cv);
        } else {
            pthread_cond_wait(&l->cv, &l->mu);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int rn_loader_create(rn_loader **out, const rn_dataset *d, const rn_norm *nm,
                     const rn_loader_config *cfg)
{
    *out = NULL;
    if (cfg->batch < 1)
        return rn_error("loader: batch must be >= 1");
    if (d->n < 1)
        return rn_error("%s: the data set is empty", d->name);
    if (nm->c != d->c || nm->h != d->h || nm->w != d->w)
        return rn_error("%s: normalization is for %dx%dx%d images, the data is %dx%dx%d",
                        d->name, nm->c, nm->h, nm->w, d->c, d->h, d->w);
    if (cfg->shards > 1 && (cfg->shard < 0 || cfg->shard >= cfg->shards))
        return rn_error("loader: shard %d of %d does not exist", cfg->shard, cfg->shards);
    if (cfg->augment.pad < 0 || cfg->augment.pad > d->h || cfg->augment.pad > d->w)
        return rn_error("--pad: %d is outside 0..%d", cfg->augment.pad,
                        d->h < d->w ? d->h : d->w);
    int batches = cfg->drop_last ? d->n / cfg->batch : (d->n + cfg->batch - 1) / cfg->batch;
    if (batches < 1)
        return rn_error("%s: %d images make no full batch of %d", d->name, d->n, cfg->batch);
    if (batches >= 0xFFFFFF)
        return rn_error("loader: %d batches an epoch is more than supported (2^24 - 1)",
                        batches);
    rn_loader *l = rn_alloc(sizeof *l);
    l->d = d;
    l->nm = nm;
    l->cfg = *cfg;
    l->chw = (size_t)d->c * d->h * d->w;
    l->batches = batches;
    l->perm = rn_alloc((size_t)d->n * sizeof(uint32_t));
    for (int i = 0; i < d->n; i++)
        l->perm[i] = (uint32_t)i;
    for (int s = 0; s < 2; s++) {
        l->slots[s].b.x = rn_alloc((size_t)cfg->batch * l->chw * sizeof(float));
        l->slots[s].b.labels = rn_alloc((size_t)cfg->batch * sizeof(int32_t));
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (cfg->threaded) {
        int rc = pthread_create(&l->thread, NULL, worker, l);
        if (rc != 0) {
            rn_loader_destroy(l);
            return rn_error("loader: cannot start the batch thread: %s", strerror(rc));
        }
        l->thread_started = 1;
    }
    *out = l;
    return 0;
}

static void shuffle(rn_loader *l, int64_t epoch)
{
    const int n = l->d->n;
    for (int i = 0; i < n; i++)
        l->perm[i] = (uint32_t)i;
    if (!l->cfg.shuffle)
        return;
    rn_rng r;
    rn_rng_seed(&r, l->cfg.seed, ((uint64_t)epoch << 24) | 0xFFFFFFu);
    for (int i = n - 1; i > 0; i--) {
        uint32_t j = rn_rng_below(&r, (uint32_t)i + 1u);
        uint32_t t = l->perm[i];
        l->perm[i] = l->perm[j];
        l->perm[j] = t;
    }
}

void rn_loader_start_epoch(rn_loader *l, int64_t epoch, int first)
{
    pthread_mutex_lock(&l->mu);
    /* Stop the worker and let any fill in progress finish (it will be discarded). */
    l->generation++;
    l->fill_end = l->fill_next;
    while (l->slots[0].state == SLOT_FILLING || l->slots[1].state == SLOT_FILLING)
        pthread_cond_wait(&l->cv, &l->mu);
    shuffle(l, epoch);
    l->slots[0].state = l->slots[1].state = SLOT_FREE;
    l->epoch = epoch;
    if (first < 0)
        first = 0;
    if (first > l->batches)
        first = l->batches;
    l->fill_next = first;
    l->consume_next = first;
    l->fill_end = l->batches;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

const rn_batch *rn_loader_next(rn_loader *l)
{
    pthread_mutex_lock(&l->mu);
    for (int s = 0; s < 2; s++)
        if (l->slots[s].state == SLOT_INUSE) {
            l->slots[s].state = SLOT_FREE;
            pthread_cond_broadcast(&l->cv);
        }
    if (l->consume_next >= l->fill_end) {
        pthread_mutex_unlock(&l->mu);
        return NULL;
    }
    slot *s = &l->slots[l->consume_next % 2];
    if (!l->thread_started) {
        fill(l, l->epoch, l->consume_next, &s->b);
        s->state = SLOT_FULL;
        l->fill_next = l->consume_next + 1;
    } else if (s->state != SLOT_FULL) {
        double t0 = rn_seconds();
        while (s->state != SLOT_FULL)
            pthread_cond_wait(&l->cv, &l->mu);
        l->wait_s += rn_seconds() - t0;
    }
    s->state = SLOT_INUSE;
    l->consume_next++;
    pthread_mutex_unlock(&l->mu);
    return &s->b;
}

void rn_loader_destroy(rn_loader *l)
{
    if (l == NULL)
        return;
    if (l->thread_started) {
        pthread_mutex_lock(&l->mu);
        l->quit = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    for (int s = 0; s < 2; s++) {
        rn_free(l->slots[s].b.x);
        rn_free(l->slots[s].b.labels);
    }
    rn_free(l->perm);
    rn_free(l);
}
