/* pool.c: the pooling unit's driver (see pool.h). */
#include "pool.h"

#define FIELD_MAX(NAME) ACC_DESC_MAX(POOL, NAME)
#define PUT(NAME, v) ACC_DESC_SET(desc, POOL, NAME, v)

static int fits_unsigned(uint32_t v, uint32_t max) { return v <= max; }

/* A two's-complement field of max = 2^bits - 1: values in [-2^(bits-1), 2^(bits-1)). */
static int fits_signed(int32_t v, uint32_t max)
{
    int32_t half = (int32_t)(max >> 1) + 1;
    return v >= -half && v < half;
}

int pool_encode(const pool_layer_t *l, uint32_t desc[POOL_DESC_WORDS])
{
    /* in the struct's order: the index + 1 of the first field that does not fit */
    const int ok[] = {
        fits_unsigned(l->in_addr, FIELD_MAX(IN_ADDR)),
        fits_unsigned(l->out_addr, FIELD_MAX(OUT_ADDR)),
        fits_unsigned(l->channels, FIELD_MAX(CHANNELS)),
        fits_unsigned(l->in_h, FIELD_MAX(IN_H)),
        fits_unsigned(l->in_w, FIELD_MAX(IN_W)),
        fits_unsigned(l->out_h, FIELD_MAX(OUT_H)),
        fits_unsigned(l->out_w, FIELD_MAX(OUT_W)),
        fits_unsigned(l->kernel, FIELD_MAX(KERNEL)),
        fits_unsigned(l->stride, FIELD_MAX(STRIDE)),
        fits_unsigned(l->mode, FIELD_MAX(MODE)),
        fits_unsigned(l->relu, FIELD_MAX(RELU)),
        fits_unsigned(l->shift, FIELD_MAX(SHIFT)),
        fits_unsigned(l->multiplier, FIELD_MAX(MULTIPLIER)),
        fits_signed(l->x_zp, FIELD_MAX(X_ZP)),
        fits_signed(l->y_zp, FIELD_MAX(Y_ZP)),
    };
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!ok[i])
            return (int)i + 1;
    for (unsigned k = 0; k < POOL_DESC_WORDS; k++)
        desc[k] = 0;
    PUT(IN_ADDR, l->in_addr);
    PUT(OUT_ADDR, l->out_addr);
    PUT(IN_H, l->in_h);
    PUT(IN_W, l->in_w);
    PUT(OUT_H, l->out_h);
    PUT(OUT_W, l->out_w);
    PUT(CHANNELS, l->channels);
    PUT(KERNEL, l->kernel);
    PUT(STRIDE, l->stride);
    PUT(MODE, l->mode);
    PUT(RELU, l->relu);
    PUT(SHIFT, l->shift);
    PUT(MULTIPLIER, l->multiplier);
    PUT(X_ZP, l->x_zp);
    PUT(Y_ZP, l->y_zp);
    return 0;
}

uint32_t pool_run(acc_t pool, const pool_layer_t *layer, int irq)
{
    uint32_t desc[POOL_DESC_WORDS];
    if (pool_encode(layer, desc) != 0)
        return POOL_ENCODE_ERROR;
    acc_set_descriptor(pool, desc, POOL_DESC_WORDS);
    acc_start(pool);
    return irq ? acc_wait_irq(pool) : acc_wait(pool);
}

const char *pool_error_name(uint32_t code)
{
    static const char *const names[] = {
        [HETSOC_POOL_ERROR_NONE] = "ok",         [HETSOC_POOL_ERROR_SHAPE] = "shape",
        [HETSOC_POOL_ERROR_KERNEL] = "kernel",   [HETSOC_POOL_ERROR_SHIFT] = "shift",
        [HETSOC_POOL_ERROR_WINDOW] = "window",   [HETSOC_POOL_ERROR_BOUNDS] = "bounds",
        [HETSOC_POOL_ERROR_OVERLAP] = "overlap",
    };
    if (code == POOL_ENCODE_ERROR)
        return "encode";
    return code < sizeof(names) / sizeof(names[0]) && names[code] ? names[code] : "unknown";
}
