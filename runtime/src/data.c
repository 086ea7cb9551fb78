/* data.c: data-set dispatch by name, default directories, the train/validation split and
 * class names (see resnetc/data.h). The readers themselves are in data_cifar10.c and
 * data_fmnist.c. */
#include "resnetc/data.h"
#include "resnetc/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const cifar10_names[10] = {"airplane", "automobile", "bird", "cat",
                                              "deer",     "dog",        "frog", "horse",
                                              "ship",     "truck"};
static const char *const fmnist_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                             "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                             "Bag",         "Ankle boot"};

const char *rn_dataset_default_dir(const char *dataset)
{
    if (strcmp(dataset, "fashion-mnist") == 0)
        return "/usr/share/datasets/fashion-mnist";
    if (strcmp(dataset, "cifar10") == 0) {
        const char *env = getenv("RESNETC_CIFAR10_DIR");
        return env != NULL && env[0] != '\0' ? env : NULL;
    }
    return NULL;
}

int rn_dataset_load(const char *dataset, const char *dir, rn_split split, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    int cifar = strcmp(dataset, "cifar10") == 0;
    int fmnist = strcmp(dataset, "fashion-mnist") == 0;
    if (!cifar && !fmnist)
        return rn_error("--dataset: unknown data set '%s' (expected cifar10 or fashion-mnist)",
                        dataset);
    if (dir == NULL)
        dir = rn_dataset_default_dir(dataset);
    if (dir == NULL)
        return rn_error("%s: no data directory: pass --data DIR (the folder of the .bin files "
                        "or its parent) or set RESNETC_CIFAR10_DIR",
                        dataset);
    return cifar ? rn_cifar10_load(dir, split, out) : rn_fmnist_load(dir, split, out);
}

int rn_dataset_split_tail(rn_dataset *d, int n_val, rn_dataset *val)
{
    memset(val, 0, sizeof *val);
    if (n_val <= 0 || n_val >= d->n)
        return rn_error("%s: validation split of %d images needs 0 < n < %d", d->name, n_val,
                        d->n);
    size_t img = (size_t)d->c * d->h * d->w;
    size_t first = (size_t)(d->n - n_val);
    *val = *d;
    val->n = n_val;
    val->images = rn_alloc((size_t)n_val * img);
    val->labels = rn_alloc((size_t)n_val * sizeof(int32_t));
    memcpy(val->images, d->images + first * img, (size_t)n_val * img);
    memcpy(val->labels, d->labels + first, (size_t)n_val * sizeof(int32_t));
    d->n -= n_val;
    return 0;
}

const char *const *rn_dataset_class_names(const char *dataset)
{
    if (strcmp(dataset, "cifar10") == 0)
        return cifar10_names;
    if (strcmp(dataset, "fashion-mnist") == 0)
        return fmnist_names;
    return NULL;
}

void rn_dataset_free(rn_dataset *d)
{
    rn_free(d->images);
    rn_free(d->labels);
    d->images = NULL;
    d->labels = NULL;
    d->n = 0;
}
