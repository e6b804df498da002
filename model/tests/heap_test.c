/* heap: the contract of heap.h with counting hooks: blocks tracked and
 * released whole, a failed allocation unwinding to the innermost heap_run
 * and staying failed, requests beyond the address space failing, resources
 * released before the blocks, growth by doubling from 8, and aborts where
 * no heap_run catches. */
#include <check.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "suites.h"

/* The hooks' state: how many blocks they hold, and whether they refuse. */
#define HOOK_SIZE_MAX ((size_t)1 << 30)   /* larger requests fail */
static size_t hook_live;
static bool hook_refuse;

static void *hook_malloc(size_t n)
{
    if (hook_refuse || n > HOOK_SIZE_MAX)
        return NULL;
    void *p = malloc(n);
    hook_live += p != NULL;
    return p;
}

static void *hook_realloc(void *p, size_t n)
{
    if (hook_refuse || n > HOOK_SIZE_MAX)
        return NULL;
    void *q = realloc(p, n);
    hook_live += p == NULL && q != NULL;
    return q;
}

static void hook_free(void *p)
{
    hook_live -= p != NULL;
    free(p);
}

static void hooked(struct heap *h)
{
    hook_live = 0;
    hook_refuse = false;
    heap_init(h, hook_malloc, hook_realloc, hook_free);
}

/* Whether fn(ctx) aborts: SIGABRT is caught and jumped out of. */
static sigjmp_buf abort_jump;

static void on_abort(int sig)
{
    (void)sig;
    siglongjmp(abort_jump, 1);
}

static bool aborts(void (*fn)(void *ctx), void *ctx)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_abort;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, &old);
    volatile bool aborted = true;
    if (sigsetjmp(abort_jump, 1) == 0) {
        fn(ctx);
        aborted = false;
    }
    sigaction(SIGABRT, &old, NULL);
    return aborted;
}

/* What a heap_run body does, and how far it got. */
struct job {
    struct heap *h;
    size_t n;          /* bytes asked for */
    void *p;           /* a block to resize, or the result */
    bool done;         /* the body ran to its end */
};

static void job_alloc(void *ctx)
{
    struct job *j = ctx;
    j->p = heap_alloc(j->h, j->n);
    j->done = true;
}

static void job_realloc(void *ctx)
{
    struct job *j = ctx;
    j->p = heap_realloc(j->h, j->p, j->n);
    j->done = true;
}

static void job_fail(void *ctx)
{
    struct job *j = ctx;
    heap_fail(j->h);
}

START_TEST(test_heap_init_gives_an_empty_heap)
{
    struct heap h;
    memset(&h, 0xa5, sizeof h);
    hooked(&h);
    ck_assert_uint_eq(heap_blocks(&h), 0);
    ck_assert(!heap_failed(&h));
    ck_assert_uint_eq(heap_release_all(&h), 0);
    ck_assert_uint_eq(hook_live, 0);
}
END_TEST

START_TEST(test_heap_blocks_are_tracked_and_released_whole)
{
    struct heap h;
    hooked(&h);
    char *a = heap_alloc(&h, 0);
    char *b = heap_zalloc(&h, 32);
    char *c = heap_strdup(&h, "balcony");
    for (size_t i = 0; i < 32; i++)
        ck_assert_int_eq(b[i], 0);
    c = heap_realloc(&h, c, 4096);
    ck_assert_str_eq(c, "balcony");
    heap_free(&h, a);
    heap_free(&h, NULL);
    ck_assert_uint_eq(heap_blocks(&h), 2);
    ck_assert_uint_eq(hook_live, 2);
    heap_free(&h, heap_alloc(&h, 1));
    ck_assert_uint_eq(heap_release_all(&h), 2);
    ck_assert_uint_eq(heap_blocks(&h), 0);
    ck_assert_uint_eq(hook_live, 0);
    ck_assert(!heap_failed(&h));
}
END_TEST

START_TEST(test_heap_failed_allocation_unwinds_to_heap_run)
{
    struct heap h;
    hooked(&h);
    struct job ok = {.h = &h, .n = 16};
    ck_assert(heap_run(&h, job_alloc, &ok));
    ck_assert(ok.done && ok.p != NULL);
    hook_refuse = true;
    struct job j = {.h = &h, .n = 16};
    ck_assert(!heap_run(&h, job_alloc, &j));
    ck_assert(!j.done);
    ck_assert(heap_failed(&h));
    hook_refuse = false;
    ck_assert_uint_eq(heap_release_all(&h), 1);
    ck_assert_uint_eq(hook_live, 0);
    ck_assert(heap_failed(&h));
}
END_TEST

/* Once failed, a heap refuses everything: heap_run does not call its body,
 * and an inner failure makes the outer run's next allocation unwind too. */
static void job_inner_then_alloc(void *ctx)
{
    struct job *j = ctx;
    struct job inner = {.h = j->h, .n = 8};
    hook_refuse = true;
    ck_assert(!heap_run(j->h, job_alloc, &inner));
    hook_refuse = false;
    j->p = heap_alloc(j->h, j->n);
    j->done = true;
}

START_TEST(test_heap_failure_is_sticky)
{
    struct heap h;
    hooked(&h);
    struct job outer = {.h = &h, .n = 8};
    ck_assert(!heap_run(&h, job_inner_then_alloc, &outer));
    ck_assert(!outer.done);
    struct job later = {.h = &h, .n = 8};
    ck_assert(!heap_run(&h, job_alloc, &later));
    ck_assert(!later.done);
    ck_assert_uint_eq(heap_release_all(&h), 0);
    ck_assert_uint_eq(hook_live, 0);
}
END_TEST

START_TEST(test_heap_realloc_failure_keeps_the_block)
{
    struct heap h;
    hooked(&h);
    char *p = heap_strdup(&h, "romeo");
    hook_refuse = true;
    struct job j = {.h = &h, .p = p, .n = 64};
    ck_assert(!heap_run(&h, job_realloc, &j));
    ck_assert(!j.done);
    ck_assert_str_eq(p, "romeo");
    ck_assert_uint_eq(heap_blocks(&h), 1);
    hook_refuse = false;
    ck_assert_uint_eq(heap_release_all(&h), 1);
    ck_assert_uint_eq(hook_live, 0);
}
END_TEST

/* A request whose block (header included) would not fit in the address
 * space fails, whatever the hooks would give for the wrapped size. */
START_TEST(test_heap_sizes_beyond_the_address_space_fail)
{
    for (size_t k = 0; k <= sizeof(struct heap_block); k++) {
        struct heap h;
        hooked(&h);
        struct job a = {.h = &h, .n = SIZE_MAX - k};
        ck_assert_msg(!heap_run(&h, job_alloc, &a), "heap_alloc of SIZE_MAX - %zu", k);
        ck_assert_uint_eq(heap_release_all(&h), 0);
        hooked(&h);
        char *p = heap_strdup(&h, "juliet");
        struct job r = {.h = &h, .p = p, .n = SIZE_MAX - k};
        ck_assert_msg(!heap_run(&h, job_realloc, &r), "heap_realloc to SIZE_MAX - %zu", k);
        ck_assert_str_eq(p, "juliet");
        ck_assert_uint_eq(heap_release_all(&h), 1);
        ck_assert_uint_eq(hook_live, 0);
    }
}
END_TEST

/* heap_run nests: an inner run ends, successful or not, with the outer
 * one catching again; with none left, heap_fail aborts. */
static void job_nested(void *ctx)
{
    struct job *j = ctx;
    struct job inner = {.h = j->h, .n = 8};
    ck_assert(heap_run(j->h, job_alloc, &inner));
    ck_assert(inner.done);
    heap_fail(j->h);
}

START_TEST(test_heap_run_nests_and_aborts_outside)
{
    struct heap h;
    hooked(&h);
    struct job ok = {.h = &h, .n = 8};
    ck_assert(heap_run(&h, job_alloc, &ok));
    struct job fail = {.h = &h};
    ck_assert(aborts(job_fail, &fail));
    ck_assert(heap_failed(&h));
    heap_release_all(&h);

    hooked(&h);
    struct job outer = {.h = &h};
    ck_assert(!heap_run(&h, job_nested, &outer));
    ck_assert(aborts(job_fail, &fail));
    heap_release_all(&h);

    hooked(&h);
    hook_refuse = true;
    struct job refused = {.h = &h, .n = 8};
    ck_assert(!heap_run(&h, job_alloc, &refused));
    ck_assert(aborts(job_fail, &fail));
    heap_release_all(&h);
    ck_assert_uint_eq(hook_live, 0);
}
END_TEST

/* With a NULL heap: the C library, untracked; a failure aborts. */
START_TEST(test_heap_null_heap_is_the_c_library)
{
    char *p = heap_alloc(NULL, 0);
    ck_assert_ptr_nonnull(p);
    p = heap_realloc(NULL, p, 0);
    ck_assert_ptr_nonnull(p);
    p = heap_realloc(NULL, p, 6);
    memcpy(p, "tybalt", 6);
    heap_free(NULL, p);
    ck_assert(!heap_failed(NULL));
    struct job j = {.n = 3};
    ck_assert(heap_run(NULL, job_alloc, &j));
    ck_assert(j.done);
    free(j.p);
    struct job fail = {0};
    ck_assert(aborts(job_fail, &fail));
#if !defined(__SANITIZE_ADDRESS__)
    /* a quarter of the address space and more (ASan reports a request this
     * large itself instead of returning NULL; valgrind flags SIZE_MAX) */
    struct job huge = {.n = SIZE_MAX / 4 + 1};
    ck_assert(aborts(job_alloc, &huge));
    ck_assert(!huge.done);
    struct job grow = {.p = heap_alloc(NULL, 4), .n = SIZE_MAX / 4 + 1};
    void *kept = grow.p;
    ck_assert(aborts(job_realloc, &grow));
    ck_assert(!grow.done);
    free(kept);
#endif
}
END_TEST

START_TEST(test_heap_grow_doubles_from_8)
{
    struct heap h;
    hooked(&h);
    int *items = NULL;
    size_t cap = 0;
    static const size_t want[] = {8, 8, 16, 16, 32};
    static const size_t at[] = {0, 7, 8, 15, 16};
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        heap_grow(&h, (void **)&items, &cap, at[k], sizeof *items);
        ck_assert_uint_eq(cap, want[k]);
        items[at[k]] = (int)at[k];
    }
    ck_assert_int_eq(items[7], 7);
    ck_assert_int_eq(items[15], 15);
    ck_assert_uint_eq(heap_release_all(&h), 1);
}
END_TEST

/* Resources (outside the blocks here, so that the counts outlive them):
 * each released once by heap_release_all, before the blocks are freed;
 * one removed, even twice, is not. */
struct counted {
    struct heap_resource r;
    struct heap *h;
    int released;
};

static void counted_release(struct heap_resource *r)
{
    struct counted *c = (struct counted *)r;
    ck_assert_uint_eq(heap_blocks(c->h), 2);
    ck_assert_uint_eq(hook_live, 2);
    c->released++;
}

START_TEST(test_heap_resources_released_before_the_blocks)
{
    struct heap h;
    hooked(&h);
    struct counted a = {.h = &h}, b = {.h = &h}, gone1 = {.h = &h}, gone2 = {.h = &h};
    heap_resource_add(&h, &a.r, counted_release);
    heap_resource_add(&h, &gone2.r, counted_release);
    heap_resource_add(&h, &gone1.r, counted_release);
    heap_resource_add(&h, &b.r, counted_release);
    heap_alloc(&h, 8);
    heap_alloc(&h, 8);
    heap_resource_remove(&h, &gone1.r);
    heap_resource_remove(&h, &gone2.r);
    heap_resource_remove(&h, &gone1.r);
    ck_assert_uint_eq(heap_release_all(&h), 2);
    ck_assert_int_eq(a.released, 1);
    ck_assert_int_eq(b.released, 1);
    ck_assert_int_eq(gone1.released, 0);
    ck_assert_int_eq(gone2.released, 0);
    ck_assert_uint_eq(hook_live, 0);
    struct counted alone = {0};
    heap_resource_add(NULL, &alone.r, counted_release);
    heap_resource_remove(NULL, &alone.r);
    ck_assert_int_eq(alone.released, 0);
}
END_TEST

Suite *heap_suite(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_heap_init_gives_an_empty_heap);
    tcase_add_test(tc, test_heap_blocks_are_tracked_and_released_whole);
    tcase_add_test(tc, test_heap_failed_allocation_unwinds_to_heap_run);
    tcase_add_test(tc, test_heap_failure_is_sticky);
    tcase_add_test(tc, test_heap_realloc_failure_keeps_the_block);
    tcase_add_test(tc, test_heap_sizes_beyond_the_address_space_fail);
    tcase_add_test(tc, test_heap_run_nests_and_aborts_outside);
    tcase_add_test(tc, test_heap_null_heap_is_the_c_library);
    tcase_add_test(tc, test_heap_grow_doubles_from_8);
    tcase_add_test(tc, test_heap_resources_released_before_the_blocks);
    suite_add_tcase(s, tc);
    return s;
}
