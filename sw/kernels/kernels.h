/* kernels.h: int8 kernels of the IR's operators on the RV32IM host (hetsoc.accel.cpu).
 *
 * Each kernel takes one argument struct, which the compiler emits as a `static const`
 * (hetsoc.accel.cpu.encoder: CpuCall.c_code) next to the call. Tensors are contiguous int8 in
 * NCHW order (NC for 2-D) at 8-byte-aligned addresses in L1 or L2; an output never overlaps
 * an input. `wt`, `rq`, `lut` and `table` point into the call's blob, constants the encoder
 * laid out in the order the kernel reads them (docs/cpu.md); `scratch` is a buffer of the
 * encoder's size owned by the call. The results equal hetsoc.golden's bit for bit.
 */
#ifndef HETSOC_KERNELS_H
#define HETSOC_KERNELS_H

#include <stdint.h>

/* flags */
#define CPU_WIDE 1u      /* a real multiplier >= 1/4: saturate and pre-scale (cpu_rq_t) */
#define CPU_POINTWISE 2u /* conv2d: 1x1, stride 1, no pads: the input is the GEMM's matrix */
#define CPU_CONV3X3 4u   /* conv2d: 3x3, dilation 1, stride 1 or 2: the direct path */

/* Per output channel of conv2d / depthwise / dense, in the blob (20 bytes, 4-aligned):
 * y = clamp(rshift_rne(sat(acc, bits) * 2^pre * mult, shift) + y_zp, y_min, y_max) with
 * sat(acc, bits) saturating acc to [-2^bits, 2^bits - 1]. The encoder turns golden's (m, n)
 * into shift >= 33, the rounding point in the high word of the product: for n <= 32,
 * pre = 33 - max(n, 22) and bits = max(n, 22) - 2, where saturating only changes
 * accumulators whose output saturates either way (docs/cpu.md); for n >= 33, pre = 0 and
 * bits = 31 (nothing saturates). Kernels apply bits and pre only in CPU_WIDE calls. */
typedef struct {
    int32_t bias;  /* bias - x_zero_point * sum(w), mod 2^32: the input zero point folded in */
    int32_t mult;  /* m, 2^30 <= m < 2^31 */
    int32_t shift; /* 33..62 */
    int32_t pre, bits;
} cpu_rq_t;

/* conv2d (groups 1) and depthwise conv2d (groups = c = o). */
typedef struct {
    const int8_t *x;    /* n x c x h x w */
    int8_t *y;          /* n x o x oh x ow */
    const int8_t *wt;   /* weights, blocked (docs/cpu.md) */
    const cpu_rq_t *rq; /* o records */
    int8_t *scratch;
    int32_t n, c, h, w;
    int32_t o, oh, ow;
    int32_t kh, kw, sh, sw, dh, dw; /* kernel, strides, dilations */
    int32_t pt, pl;                 /* top and left pads (bottom and right follow from oh, ow) */
    int32_t x_zp, y_zp, y_min, y_max;
    int32_t chunk;  /* conv2d, CPU_POINTWISE: pixels per matrix product (scratch = c * chunk) */
    uint32_t flags; /* CPU_WIDE, CPU_POINTWISE, CPU_CONV3X3 */
} cpu_conv2d_args_t;

void cpu_conv2d(const cpu_conv2d_args_t *a);
void cpu_dwconv2d(const cpu_conv2d_args_t *a);

/* dense: x (n, k), weights (o, k) blocked like conv2d's. */
typedef struct {
    const int8_t *x;
    int8_t *y; /* n x o */
    const int8_t *wt;
    const cpu_rq_t *rq;
    int32_t n, k, o;
    int32_t y_zp, y_min, y_max;
    uint32_t flags; /* CPU_WIDE */
} cpu_dense_args_t;

void cpu_dense(const cpu_dense_args_t *a);

/* add with numpy broadcasting, as a 4-deep loop over the output: element strides of a and b
 * per output axis (0 where broadcast); the encoder merges axes so the inner loop is long.
 * acc = (a - a_zp) * a_mult + (b - b_zp) * b_mult, y = rshift_rne(acc, shift) + y_zp: the
 * kernel scales a - a_zp and b - b_zp by 2^pre and shifts by shift + pre, which is exact and
 * puts the rounding in the high word (the fast path); pre is chosen by the encoder. */
typedef struct {
    const int8_t *a, *b;
    int8_t *y;
    int32_t dims[4];
    int32_t a_strides[4], b_strides[4];
    int32_t a_zp, b_zp, a_mult, b_mult;
    int32_t pre, shift; /* shift + pre >= 33, or CPU_WIDE with pre = 0 */
    int32_t y_zp, y_min, y_max;
    uint32_t flags;
} cpu_add_args_t;

void cpu_add(const cpu_add_args_t *a);

/* y[i] = lut[(uint8_t)x[i]] (requantization and clamp tabulated over the 256 inputs), or a copy
 * when lut is 0: reshape, clip, and requantizing copies. */
typedef struct {
    const int8_t *x;
    int8_t *y;
    const int8_t *lut; /* 256 entries indexed by the input's bit pattern, or 0 */
    int32_t count;
} cpu_rescale_args_t;

void cpu_rescale(const cpu_rescale_args_t *a);

/* concat: the output is `outer` runs, each the parts' `inner` bytes in order, every part mapped
 * through its own table (or copied). */
typedef struct {
    const int8_t *x;
    const int8_t *lut; /* 256 entries, or 0 */
    int32_t inner;     /* bytes of this part per outer index */
} cpu_concat_part_t;

typedef struct {
    int8_t *y;
    const cpu_concat_part_t *parts;
    int32_t n_parts, outer;
} cpu_concat_args_t;

void cpu_concat(const cpu_concat_args_t *a);

/* maxpool, avgpool and global_avgpool (a whole-plane avgpool). */
typedef struct {
    const int8_t *x;
    int8_t *y;
    const int8_t *lut; /* maxpool: requantization table, or 0 */
    int8_t *scratch;   /* a padded plane, if some window reads padding */
    int32_t n, c, h, w, oh, ow;
    int32_t kh, kw, sh, sw, dh, dw, pt, pl;
    int32_t x_zp, mult, shift, y_zp; /* avgpool */
    int32_t count_include_pad;       /* avgpool */
} cpu_pool_args_t;

void cpu_maxpool(const cpu_pool_args_t *a);
void cpu_avgpool(const cpu_pool_args_t *a);

/* softmax over the last axis: rows x len, table = golden.softmax_table(x_scale). */
typedef struct {
    const int8_t *x;
    int8_t *y;
    const uint32_t *table; /* 256 entries */
    int32_t rows, len;
    int32_t mult, shift, y_zp;
} cpu_softmax_args_t;

void cpu_softmax(const cpu_softmax_args_t *a);

#endif
