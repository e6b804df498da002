/* users: the host/user/resource table (see users.h). */
#include "users.h"

#include <assert.h>
#include <string.h>

#include "internal.h"
#include "jid.h"
#include "sorted.h"

static const char *users_resource_key(const void *p)
{
    return (*(struct session *const *)p)->resource;
}

static const char *users_name_key(const void *p)
{
    return ((const struct user *)p)->name;
}

void users_init(struct model *m, unsigned long long seed)
{
    map_init(&m->users, &m->heap, seed, users_name_key);
}

struct user *users_find(const struct model *m, const char *name)
{
    return map_get(&m->users, name);
}

struct session *users_resource(const struct model *m, const char *user, const char *resource)
{
    struct user *u = users_find(m, user);
    if (u == NULL)
        return NULL;
    bool found;
    size_t i = sorted_search(u->res, u->nres, sizeof *u->res, resource, users_resource_key,
                             &found);
    return found ? u->res[i] : NULL;
}

struct session *users_resource_of(const struct model *m, const struct jid *j)
{
    if (j->local_len == 0 || j->resource_len == 0)
        return NULL;
    char local[JID_PART_MAX + 1];
    jid_local_copy(j, local, sizeof local);
    return users_resource(m, local, jid_resource(j));
}

void users_add(struct model *m, struct session *s)
{
    struct user *u = users_find(m, s->username);
    if (u == NULL) {
        u = heap_zalloc(&m->heap, sizeof *u);
        u->name = heap_strdup(&m->heap, s->username);
        map_put(&m->users, u);
    }
    bool found;
    size_t k = sorted_search(u->res, u->nres, sizeof *u->res, s->resource, users_resource_key,
                             &found);
    assert(!found);
    if (u->nres == u->capres) {   /* most users have one or two resources */
        size_t cap = u->capres ? 2 * u->capres : 1;
        u->res = heap_realloc(&m->heap, u->res, cap * sizeof *u->res);
        u->capres = cap;
    }
    memmove(&u->res[k + 1], &u->res[k], (u->nres - k) * sizeof *u->res);
    u->res[k] = s;
    u->nres++;
}

static void users_entry_free(struct model *m, struct user *u)
{
    heap_free(&m->heap, u->name);
    heap_free(&m->heap, u->res);
    heap_free(&m->heap, u);
}

void users_remove(struct model *m, struct session *s)
{
    struct user *u = users_find(m, s->username);
    if (u == NULL)
        return;
    bool found;
    size_t k = sorted_search(u->res, u->nres, sizeof *u->res, s->resource, users_resource_key,
                             &found);
    if (!found || u->res[k] != s)
        return;
    memmove(&u->res[k], &u->res[k + 1], (u->nres - k - 1) * sizeof *u->res);
    if (--u->nres > 0)
        return;
    map_remove(&m->users, u->name);
    users_entry_free(m, u);
}

void users_clear(struct model *m)
{
    size_t pos = 0;
    struct user *u;
    while ((u = map_next(&m->users, &pos)) != NULL)
        users_entry_free(m, u);
    map_clear(&m->users);
}
