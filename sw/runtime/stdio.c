/* stdio.c: putchar, puts and a small printf writing to the console's TX register.
 *
 * One formatter serves printf (console sink) and snprintf (buffer sink). Numbers that fit in
 * 32 bits are converted with 32-bit division, which the M extension does in one instruction;
 * only genuinely 64-bit values pay for the software 64-bit division in libgcc.c.
 */
#include "hetsoc.h"

int putchar(int c)
{
    /* No STATUS poll: the console contract says it is always ready (regmap.py). */
    HETSOC_REG(CONSOLE, TX) = (uint32_t)(unsigned char)c;
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        putchar(*s++);
    putchar('\n');
    return 0;
}

struct sink {
    int console;  /* 1: write to the console; 0: into buf */
    char *buf;
    size_t size;  /* capacity of buf including the NUL */
    size_t count; /* characters produced so far (even those not stored) */
};

static void emit(struct sink *k, char c)
{
    if (k->console)
        putchar(c);
    else if (k->count + 1 < k->size)
        k->buf[k->count] = c;
    k->count++;
}

static void emit_padded(struct sink *k, const char *s, size_t len, int width, int left, char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;
    /* Zero padding goes after a sign: "-0042", not "00-42". */
    if (pad == '0' && len && *s == '-') {
        emit(k, *s++);
        len--;
    }
    if (!left)
        while (fill--)
            emit(k, pad);
    while (len--)
        emit(k, *s++);
    if (left)
        while (fill-- > 0)
            emit(k, ' ');
}

/* Digits of v in base (10 or 16) at the end of buf; returns the first digit. */
static char *utoa(char *end, unsigned long long v, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    if (base == 16) {
        do {
            *--p = digits[v & 15];
            v >>= 4;
        } while (v);
        return p;
    }
    while (v >> 32) {
        *--p = digits[v % 10];
        v /= 10;
    }
    uint32_t w = (uint32_t)v;
    do {
        *--p = digits[w % 10];
        w /= 10;
    } while (w);
    return p;
}

static int format(struct sink *sink, const char *fmt, va_list ap)
{
    struct sink k = *sink;
    char tmp[24]; /* 2^64 has 20 decimal digits; one more for a sign */
    char *const end = tmp + sizeof tmp;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&k, *fmt);
            continue;
        }
        int left = 0, width = 0, longness = 0;
        char pad = ' ';
        for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
            if (*fmt == '-')
                left = 1;
            else
                pad = '0';
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            width = width * 10 + (*fmt - '0');
        if (left)
            pad = ' '; /* C: '-' overrides '0' */
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            longness += *fmt == 'l' ? 1 : (sizeof(size_t) == sizeof(long) ? 1 : 2);

        char *p;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = longness >= 2 ? va_arg(ap, long long)
                          : longness == 1 ? va_arg(ap, long)
                                          : va_arg(ap, int);
            /* Negate in unsigned arithmetic: -LLONG_MIN overflows a long long. */
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            p = utoa(end, u, 10, 0);
            if (v < 0)
                *--p = '-';
            emit_padded(&k, p, (size_t)(end - p), width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = longness >= 2 ? va_arg(ap, unsigned long long)
                                   : longness == 1 ? va_arg(ap, unsigned long)
                                                   : va_arg(ap, unsigned);
            p = utoa(end, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
            emit_padded(&k, p, (size_t)(end - p), width, left, pad);
            break;
        }
        case 'p': {
            p = utoa(end, (uintptr_t)va_arg(ap, void *), 16, 0);
            while (end - p < 8)
                *--p = '0'; /* fixed width: addresses line up in dumps */
            *--p = 'x';
            *--p = '0';
            emit_padded(&k, p, (size_t)(end - p), width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            emit_padded(&k, tmp, 1, width, left, ' ');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            emit_padded(&k, s, strlen(s), width, left, ' ');
            break;
        }
        case '%':
            emit(&k, '%');
            break;
        case '\0':
            fmt--; /* a lone '%' at the end: stop without reading past the NUL */
            break;
        default: /* unknown conversion: print it verbatim so the mistake is visible */
            emit(&k, '%');
            emit(&k, *fmt);
            break;
        }
    }
    return (int)k.count;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink k = {0, buf, size, 0};
    int n = format(&k, fmt, ap);
    if (size) /* snprintf(NULL, 0, ...) only measures */
        buf[(size_t)n < size ? (size_t)n : size - 1] = '\0';
    return n;
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink k = {1, NULL, 0, 0};
    return format(&k, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
