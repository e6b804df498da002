/* heap: the model's one allocator, with allocation hooks per instance and
 * out-of-memory recovery by unwinding.
 *
 * Every byte the model holds comes from a struct heap (one per model),
 * which calls the hooks it was given (the shape of expat's
 * XML_Memory_Handling_Suite; NULL: the C library's) and links each block
 * into a list, so that a model left half-updated by a failed allocation
 * can still be freed whole (heap_release_all). A failed allocation never
 * returns: it marks the heap failed and unwinds (longjmp) to the innermost
 * heap_run, which returns false. With no heap_run active it aborts.
 *
 * The toolkit (buf, stanza, jid, strset, map, roster, xmlstream) takes a
 * heap pointer that may be NULL: the C library directly, untracked, and an
 * allocation failure aborts (what sim/ and the tests use).
 *
 * Leaf module: includes nothing of the model. No globals: the state is the
 * struct heap the caller owns. No I/O.
 */
#ifndef SESSIM_MODEL_HEAP_H
#define SESSIM_MODEL_HEAP_H

#include <setjmp.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>

/* The header in front of every tracked block (a ring through the heap). */
struct heap_block {
    alignas(max_align_t) struct heap_block *prev;
    struct heap_block *next;
};

/* Something that owns memory outside the heap's blocks (expat's parser,
 * allocated by the hooks directly), embedded in a tracked object and
 * released by heap_release_all before the blocks are freed. */
struct heap_resource {
    struct heap_resource *prev, *next;
    void (*release)(struct heap_resource *r);
};

struct heap {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
    struct heap_block blocks;          /* ring sentinel */
    struct heap_resource resources;    /* ring sentinel */
    size_t nblocks;
    jmp_buf *catcher;                  /* innermost heap_run */
    bool failed;                       /* sticky: an allocation failed */
};

/* An empty heap using the given hooks (each NULL: malloc, realloc, free). */
void heap_init(struct heap *h, void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
               void (*free_fn)(void *));
/* n bytes (n may be 0), aligned for any type; never NULL (see above). */
void *heap_alloc(struct heap *h, size_t n);
/* n zeroed bytes. */
void *heap_zalloc(struct heap *h, size_t n);
/* Resizes a block of h (p NULL: a new one); on failure p stays valid. */
void *heap_realloc(struct heap *h, void *p, size_t n);
/* Frees a block of h; NULL is a no-op. */
void heap_free(struct heap *h, void *p);
/* A copy of s, freed with heap_free. */
char *heap_strdup(struct heap *h, const char *s);
/* Makes room for element n (0-based) of a growable array of size-byte
 * elements: *cap doubles (from 8) when n reaches it. */
void heap_grow(struct heap *h, void **base, size_t *cap, size_t n, size_t size);

/* Registers / unregisters r (h may be NULL: nothing to do). Removing r
 * again is a no-op. */
void heap_resource_add(struct heap *h, struct heap_resource *r,
                       void (*release)(struct heap_resource *r));
void heap_resource_remove(struct heap *h, struct heap_resource *r);

/* Calls fn(ctx); false when an allocation failed inside it (or the heap
 * had failed before: fn is then not called). Nests. h NULL: just calls. */
bool heap_run(struct heap *h, void (*fn)(void *ctx), void *ctx);
/* Marks the heap failed and unwinds to the innermost heap_run (aborts when
 * there is none). For failures reported by code the heap does not see,
 * such as expat's XML_ERROR_NO_MEMORY. */
_Noreturn void heap_fail(struct heap *h);
/* True once an allocation failed (NULL: false). */
bool heap_failed(const struct heap *h);
/* Live blocks. */
size_t heap_blocks(const struct heap *h);
/* Releases every resource, then frees every block; returns how many
 * blocks there were. The heap is empty (and still failed, if it was). */
size_t heap_release_all(struct heap *h);

#endif
