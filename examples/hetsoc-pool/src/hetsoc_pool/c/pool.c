/* pool.c: the pooling unit's driver (see pool.h). */
#include "pool.h"

/* Field NAME of descriptor word W: its bits, shifted into place. */
#define FIELD_SHIFT(W, NAME) HETSOC_POOL_DESC##W##_##NAME##_SHIFT
#define FIELD_MASK(W, NAME) HETSOC_POOL_DESC##W##_##NAME##_MASK
#define FIELD_MAX(W, NAME) (FIELD_MASK(W, NAME) >> FIELD_SHIFT(W, NAME))
#define PUT(W, NAME, v) (((uint32_t)(v) << FIELD_SHIFT(W, NAME)) & FIELD_MASK(W, NAME))

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
        fits_unsigned(l->in_addr, FIELD_MAX(0, IN_ADDR)),
        fits_unsigned(l->out_addr, FIELD_MAX(1, OUT_ADDR)),
        fits_unsigned(l->channels, FIELD_MAX(4, CHANNELS)),
        fits_unsigned(l->in_h, FIELD_MAX(2, IN_H)),
        fits_unsigned(l->in_w, FIELD_MAX(2, IN_W)),
        fits_unsigned(l->out_h, FIELD_MAX(3, OUT_H)),
        fits_unsigned(l->out_w, FIELD_MAX(3, OUT_W)),
        fits_unsigned(l->kernel, FIELD_MAX(4, KERNEL)),
        fits_unsigned(l->stride, FIELD_MAX(4, STRIDE)),
        fits_unsigned(l->mode, FIELD_MAX(4, MODE)),
        fits_unsigned(l->relu, FIELD_MAX(4, RELU)),
        fits_unsigned(l->shift, FIELD_MAX(4, SHIFT)),
        fits_unsigned(l->multiplier, FIELD_MAX(5, MULTIPLIER)),
        fits_signed(l->x_zp, FIELD_MAX(6, X_ZP)),
        fits_signed(l->y_zp, FIELD_MAX(6, Y_ZP)),
    };
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!ok[i])
            return (int)i + 1;
    desc[0] = PUT(0, IN_ADDR, l->in_addr);
    desc[1] = PUT(1, OUT_ADDR, l->out_addr);
    desc[2] = PUT(2, IN_H, l->in_h) | PUT(2, IN_W, l->in_w);
    desc[3] = PUT(3, OUT_H, l->out_h) | PUT(3, OUT_W, l->out_w);
    desc[4] = PUT(4, CHANNELS, l->channels) | PUT(4, KERNEL, l->kernel)
              | PUT(4, STRIDE, l->stride) | PUT(4, MODE, l->mode) | PUT(4, RELU, l->relu)
              | PUT(4, SHIFT, l->shift);
    desc[5] = PUT(5, MULTIPLIER, l->multiplier);
    desc[6] = PUT(6, X_ZP, l->x_zp) | PUT(6, Y_ZP, l->y_zp);
    _Static_assert(POOL_DESC_WORDS == 7, "pool_encode fills words 0..6 (hetsoc_pool.spec.WORDS)");
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
