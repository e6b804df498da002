/* map: open-addressing string hash table (see map.h). */
#include "map.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "heap.h"

void map_init(struct map *m, struct heap *heap, uint64_t seed,
              const char *(*key_of)(const void *value))
{
    memset(m, 0, sizeof *m);
    m->heap = heap;
    m->seed = seed;
    m->key_of = key_of;
}

/* FNV-1a over the key, seeded, finalised with a 64-bit mix; never 0. */
static uint64_t hash_key(const struct map *m, const char *key)
{
    uint64_t h = 0xcbf29ce484222325ull ^ m->seed;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

static size_t find(const struct map *m, const char *key, uint64_t h, bool *found)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct map_slot *s = &m->slots[i];
        if (s->hash == 0) {
            *found = false;
            return i;
        }
        if (s->hash == h && strcmp(m->key_of(s->value), key) == 0) {
            *found = true;
            return i;
        }
    }
}

void *map_get(const struct map *m, const char *key)
{
    if (m->n == 0)
        return NULL;
    bool found;
    size_t i = find(m, key, hash_key(m, key), &found);
    return found ? m->slots[i].value : NULL;
}

static void resize(struct map *m, size_t cap)
{
    struct map_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = heap_zalloc(m->heap, cap * sizeof *m->slots);
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].hash == 0)
            continue;
        size_t j = old[i].hash & (cap - 1);
        while (m->slots[j].hash != 0)
            j = (j + 1) & (cap - 1);
        m->slots[j] = old[i];
    }
    heap_free(m->heap, old);
}

void map_put(struct map *m, void *value)
{
    if ((m->n + 1) * 4 > m->cap * 3)   /* load factor 0.75 */
        resize(m, m->cap ? m->cap * 2 : 16);
    const char *key = m->key_of(value);
    uint64_t h = hash_key(m, key);
    bool found;
    size_t i = find(m, key, h, &found);
    assert(!found);
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->n++;
}

void *map_remove(struct map *m, const char *key)
{
    if (m->n == 0)
        return NULL;
    bool found;
    size_t i = find(m, key, hash_key(m, key), &found);
    if (!found)
        return NULL;
    void *value = m->slots[i].value;
    size_t mask = m->cap - 1;
    /* backward shift: pull later members of the probe run into the hole */
    for (size_t j = (i + 1) & mask; m->slots[j].hash != 0; j = (j + 1) & mask) {
        size_t home = m->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].hash = 0;
    m->slots[i].value = NULL;
    m->n--;
    return value;
}

void *map_next(const struct map *m, size_t *pos)
{
    while (*pos < m->cap) {
        const struct map_slot *s = &m->slots[(*pos)++];
        if (s->hash != 0)
            return s->value;
    }
    return NULL;
}

size_t map_bytes(const struct map *m)
{
    return m->cap * sizeof *m->slots;
}

void map_clear(struct map *m)
{
    heap_free(m->heap, m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
