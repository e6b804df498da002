/* heap: tracked allocation with unwinding on failure (see heap.h).
 *
 * A tracked block is a struct heap_block followed by the caller's bytes;
 * the headers form a ring through h->blocks, so freeing is O(1) and
 * heap_release_all needs no knowledge of what the blocks hold. setjmp is
 * called in one place only, heap_run.
 */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

void heap_init(struct heap *h, void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
               void (*free_fn)(void *))
{
    memset(h, 0, sizeof *h);
    h->malloc_fn = malloc_fn ? malloc_fn : malloc;
    h->realloc_fn = realloc_fn ? realloc_fn : realloc;
    h->free_fn = free_fn ? free_fn : free;
    h->blocks.prev = h->blocks.next = &h->blocks;
    h->resources.prev = h->resources.next = &h->resources;
}

_Noreturn void heap_fail(struct heap *h)
{
    if (h == NULL)
        abort();
    h->failed = true;
    if (h->catcher == NULL)
        abort();
    longjmp(*h->catcher, 1);
}

static void link_block(struct heap *h, struct heap_block *b)
{
    b->prev = &h->blocks;
    b->next = h->blocks.next;
    b->next->prev = b;
    h->blocks.next = b;
    h->nblocks++;
}

static void unlink_block(struct heap *h, struct heap_block *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
    h->nblocks--;
}

void *heap_alloc(struct heap *h, size_t n)
{
    if (h == NULL) {
        void *p = malloc(n ? n : 1);
        if (p == NULL)
            heap_fail(NULL);
        return p;
    }
    if (h->failed || n > (size_t)-1 - sizeof(struct heap_block))
        heap_fail(h);
    struct heap_block *b = h->malloc_fn(sizeof *b + n);
    if (b == NULL)
        heap_fail(h);
    link_block(h, b);
    return b + 1;
}

void *heap_zalloc(struct heap *h, size_t n)
{
    void *p = heap_alloc(h, n);
    memset(p, 0, n);
    return p;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
    if (p == NULL)
        return heap_alloc(h, n);
    if (h == NULL) {
        void *q = realloc(p, n ? n : 1);
        if (q == NULL)
            heap_fail(NULL);
        return q;
    }
    if (h->failed || n > (size_t)-1 - sizeof(struct heap_block))
        heap_fail(h);
    struct heap_block *b = (struct heap_block *)p - 1;
    unlink_block(h, b);
    struct heap_block *nb = h->realloc_fn(b, sizeof *b + n);
    if (nb == NULL) {
        link_block(h, b);   /* still valid: freed with the rest */
        heap_fail(h);
    }
    link_block(h, nb);
    return nb + 1;
}

void heap_free(struct heap *h, void *p)
{
    if (p == NULL)
        return;
    if (h == NULL) {
        free(p);
        return;
    }
    struct heap_block *b = (struct heap_block *)p - 1;
    unlink_block(h, b);
    h->free_fn(b);
}

char *heap_strdup(struct heap *h, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = heap_alloc(h, n);
    memcpy(p, s, n);
    return p;
}

void heap_grow(struct heap *h, void **base, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return;
    size_t want = *cap ? *cap * 2 : 8;
    *base = heap_realloc(h, *base, want * size);
    *cap = want;
}

void heap_resource_add(struct heap *h, struct heap_resource *r,
                       void (*release)(struct heap_resource *r))
{
    r->release = release;
    if (h == NULL) {
        r->prev = r->next = r;
        return;
    }
    r->prev = &h->resources;
    r->next = h->resources.next;
    r->next->prev = r;
    h->resources.next = r;
}

void heap_resource_remove(struct heap *h, struct heap_resource *r)
{
    (void)h;
    r->prev->next = r->next;
    r->next->prev = r->prev;
    r->prev = r->next = r;
}

bool heap_run(struct heap *h, void (*fn)(void *ctx), void *ctx)
{
    if (h == NULL) {
        fn(ctx);
        return true;
    }
    if (h->failed)
        return false;
    jmp_buf here;
    jmp_buf *outer = h->catcher;
    h->catcher = &here;
    if (setjmp(here) != 0) {
        h->catcher = outer;
        return false;
    }
    fn(ctx);
    h->catcher = outer;
    return true;
}

bool heap_failed(const struct heap *h)
{
    return h != NULL && h->failed;
}

size_t heap_blocks(const struct heap *h)
{
    return h->nblocks;
}

size_t heap_release_all(struct heap *h)
{
    while (h->resources.next != &h->resources) {
        struct heap_resource *r = h->resources.next;
        heap_resource_remove(h, r);
        r->release(r);
    }
    size_t n = h->nblocks;
    while (h->blocks.next != &h->blocks) {
        struct heap_block *b = h->blocks.next;
        unlink_block(h, b);
        h->free_fn(b);
    }
    return n;
}
