/* map: a string-keyed hash table of borrowed values.
 *
 * Open addressing with linear probing and backward-shift deletion. The key
 * of a value is read through the key_of function given at init (it points
 * into the value, so the map stores no strings). The hash is seeded from
 * the model's seed: iteration order is a pure function of the inputs, but
 * callers that emit traffic or reports from a map sort first (0.4).
 * The map never owns its values.
 */
#ifndef SESSIM_MODEL_MAP_H
#define SESSIM_MODEL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
    uint64_t hash;   /* 0: empty */
    void *value;
};

struct heap;

struct map {
    struct heap *heap;
    struct map_slot *slots;
    size_t cap;      /* a power of two, or 0 */
    size_t n;
    uint64_t seed;
    const char *(*key_of)(const void *value);
};

/* An empty map whose slots come from heap (NULL: the C library). */
void map_init(struct map *m, struct heap *heap, uint64_t seed,
              const char *(*key_of)(const void *value));
/* The value with that key, or NULL. */
void *map_get(const struct map *m, const char *key);
/* Inserts value; its key must not be present. */
void map_put(struct map *m, void *value);
/* Removes and returns the value with that key, or NULL. */
void *map_remove(struct map *m, const char *key);
/* Iteration: start with *pos = 0; returns the next value or NULL. The map
 * must not change during an iteration. */
void *map_next(const struct map *m, size_t *pos);
/* Bytes of slot storage. */
size_t map_bytes(const struct map *m);
/* Frees the slots (not the values); the map is empty and reusable. */
void map_clear(struct map *m);

#endif
