/* string.c: the string.h subset the compiler and programs need.
 *
 * Clang may emit calls to memcpy/memset/memmove/memcmp for struct copies and zeroing even in
 * freestanding code, so these must exist. -ffreestanding implies -fno-builtin, which keeps the
 * compiler from turning these loops back into calls to themselves.
 */
#include "hetsoc.h"

/* may_alias: word access to memory of any type is what these functions are for. */
typedef uint32_t __attribute__((may_alias)) word_t;

/* Word-at-a-time when both pointers share alignment: halves the cycles on large copies. */
void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d ^ (uintptr_t)s) & 3) == 0) {
        while (n && ((uintptr_t)d & 3)) {
            *d++ = *s++;
            n--;
        }
        word_t *dw = (word_t *)d;
        const word_t *sw = (const word_t *)s;
        for (; n >= 4; n -= 4)
            *dw++ = *sw++;
        d = (unsigned char *)dw;
        s = (const unsigned char *)sw;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n); /* forward copy is safe: no overlap ahead of d */
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    while (n && ((uintptr_t)d & 3)) {
        *d++ = b;
        n--;
    }
    uint32_t word = b * 0x01010101u;
    word_t *dw = (word_t *)d;
    for (; n >= 4; n -= 4)
        *dw++ = word;
    d = (unsigned char *)dw;
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}
