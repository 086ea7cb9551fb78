/* resnetc/data.h: image classification data sets held in memory as uint8 N x C x H x W.
 *
 * Provides the CIFAR-10 binary reader (data_cifar10.c), the Fashion-MNIST IDX reader
 * through zlib (data_fmnist.c), a dispatcher by data-set name, the optional train /
 * validation split (the LAST n_val training images become the validation set) and the
 * class names. Every reader validates what it reads and reports errors with rn_error,
 * naming the file and, where it applies, the record.
 *
 * It does not normalize, augment or batch: see augment.h and loader.h.
 */
#ifndef RESNETC_DATA_H
#define RESNETC_DATA_H

#include <stddef.h>
#include <stdint.h>

/* An in-memory data set. images: n * c * h * w bytes (image-major, then channel planes,
 * then rows), labels: n values in [0, classes). Both owned (rn_dataset_free). */
typedef struct rn_dataset {
    char name[32];       /* "cifar10" or "fashion-mnist" */
    int n, c, h, w;
    int classes;
    uint8_t *images;
    int32_t *labels;
} rn_dataset;

typedef enum rn_split { RN_SPLIT_TRAIN = 0, RN_SPLIT_TEST = 1 } rn_split;

/* CIFAR-10 binary layout. */
enum { RN_CIFAR10_RECORDS_PER_FILE = 10000, RN_CIFAR10_RECORD_BYTES = 3073 };

/* Read one CIFAR-10 .bin file (exactly RN_CIFAR10_RECORDS_PER_FILE records of 1 label byte
 * + 3072 pixel bytes) into images (records * 3072 bytes) and labels. Checks that the size
 * is a multiple of 3073, that there are exactly 10000 records and that every label is < 10.
 * Returns 0, or -1 after an error naming the file (and record). */
int rn_cifar10_read_file(const char *path, uint8_t *images, int32_t *labels);

/* Load the CIFAR-10 training set (data_batch_1..5.bin, 50000 images) or the test set
 * (test_batch.bin, 10000) from dir. dir may be the folder holding the .bin files or its
 * parent holding cifar-10-batches-bin/. Returns 0 or -1. */
int rn_cifar10_load(const char *dir, rn_split split, rn_dataset *out);

/* Read a gzip-compressed (or plain: zlib reads both) IDX pair: images (magic 0x00000803,
 * dims n, rows, cols) and labels (magic 0x00000801, dim n). Counts must match, labels must
 * be < classes, the files must hold exactly the announced bytes. Returns 0 or -1. */
int rn_idx_load(const char *images_path, const char *labels_path, int classes,
                rn_dataset *out);

/* Load Fashion-MNIST (train-*-idx?-ubyte.gz: 60000 images; t10k-*: 10000) from dir.
 * A file without the .gz suffix is used when the .gz one is absent. Returns 0 or -1. */
int rn_fmnist_load(const char *dir, rn_split split, rn_dataset *out);

/* Default data directory of a data set: for "fashion-mnist" /usr/share/datasets/fashion-mnist,
 * for "cifar10" the environment variable RESNETC_CIFAR10_DIR; NULL when there is none. */
const char *rn_dataset_default_dir(const char *dataset);

/* Load a data set by name ("cifar10" or "fashion-mnist"); dir NULL uses the default.
 * Returns 0 or -1 (unknown name, no directory, or a reader error). */
int rn_dataset_load(const char *dataset, const char *dir, rn_split split, rn_dataset *out);

/* Move the last n_val images of d into val (a fresh copy) and shrink d to the first
 * d->n - n_val. 0 < n_val < d->n. Returns 0 or -1. */
int rn_dataset_split_tail(rn_dataset *d, int n_val, rn_dataset *val);

/* Class names in label order, `classes` entries, or NULL for an unknown data set. */
const char *const *rn_dataset_class_names(const char *dataset);

void rn_dataset_free(rn_dataset *d);

#endif /* RESNETC_DATA_H */
