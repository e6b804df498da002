/* mem: allocation for the sessim program, where running out of memory
 * ends the program with a message (exit via abort) instead of being
 * handled at every call site. The model has its own rule (heap_alloc). */
#ifndef SESSIM_SIM_MEM_H
#define SESSIM_SIM_MEM_H

#include <stddef.h>

/* realloc/calloc that never return NULL (a size of 0 allocates 1 byte). */
void *mem_realloc(void *p, size_t size);
void *mem_calloc(size_t n, size_t size);
/* Copies of a NUL-terminated string / of len bytes (NUL added). */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t len);
/* Returns items (an array of count elements of size bytes, *cap
 * allocated) with room for element `count`: when full, reallocated to
 * twice *cap (8 at first), *cap updated. */
void *mem_grow(void *items, size_t count, size_t *cap, size_t size);
/* Prints "sessim: out of memory" and aborts. */
void mem_out_of_memory(void);

#endif
