/* run_data.c: the data of a training run, loaded once for train, eval and analyze (see
 * resnetc/run_data.h). */
#include "resnetc/run_data.h"
#include "resnetc/util.h"

#include <string.h>

static int check_model_data(const rn_model *m, const rn_dataset *d)
{
    if (m->in_c != d->c || m->in_h != d->h || m->in_w != d->w)
        return rn_error("model %s takes %dx%dx%d input but %s images are %dx%dx%d: use a "
                        "model generated for this data set (Fashion-MNIST: input {1, 28, 28})",
                        m->name, m->in_c, m->in_h, m->in_w, d->name, d->c, d->h, d->w);
    if (m->classes != d->classes)
        return rn_error("model %s has %d classes but %s has %d", m->name, m->classes, d->name,
                        d->classes);
    return 0;
}

int rn_run_data_load(const rn_model *m, const rn_run_data_options *o, rn_run_data *d)
{
    memset(d, 0, sizeof *d);
    if (rn_dataset_load(o->dataset, o->dir, RN_SPLIT_TRAIN, &d->train) != 0 ||
        check_model_data(m, &d->train) != 0 ||
        (!o->skip_test && rn_dataset_load(o->dataset, o->dir, RN_SPLIT_TEST, &d->test) != 0))
        goto fail;
    if (o->train_limit > 0 && o->train_limit < d->train.n)
        d->train.n = o->train_limit;
    if (o->test_limit > 0 && o->test_limit < d->test.n)
        d->test.n = o->test_limit;
    if (o->val_split > 0 && rn_dataset_split_tail(&d->train, o->val_split, &d->val) != 0)
        goto fail;
    if (rn_norm_compute(&d->norm, &d->train, o->norm) != 0)
        goto fail;
    return 0;
fail:
    rn_run_data_free(d);
    return -1;
}

void rn_run_data_free(rn_run_data *d)
{
    rn_norm_free(&d->norm);
    rn_dataset_free(&d->train);
    rn_dataset_free(&d->val);
    rn_dataset_free(&d->test);
}
