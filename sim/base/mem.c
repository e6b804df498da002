/* mem: allocation that cannot fail (see mem.h). */
#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mem_out_of_memory(void)
{
    fputs("sessim: out of memory\n", stderr);
    abort();
}

void *mem_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL)
        mem_out_of_memory();
    return q;
}

void *mem_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        mem_out_of_memory();
    return p;
}

char *mem_strndup(const char *s, size_t len)
{
    char *d = mem_realloc(NULL, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

void *mem_grow(void *items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap)
        return items;
    size_t n = *cap == 0 ? 8 : *cap * 2;
    if (n > SIZE_MAX / size)
        mem_out_of_memory();
    *cap = n;
    return mem_realloc(items, n * size);
}
