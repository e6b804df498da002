/* prng: splitmix64 (see prng.h). */
#include "prng.h"

#include <assert.h>

void prng_seed(struct prng *p, uint64_t seed)
{
    p->state = seed;
}

uint64_t prng_next(struct prng *p)
{
    uint64_t z = (p->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t prng_below(struct prng *p, uint64_t n)
{
    assert(n > 0);
    /* rejection sampling keeps the distribution exact */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
        v = prng_next(p);
    } while (v >= limit);
    return v % n;
}

void prng_id(struct prng *p, char *out, size_t len)
{
    static const char alphabet[] = PRNG_ID_ALPHABET;
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = alphabet[prng_below(p, sizeof alphabet - 1)];
    out[len - 1] = '\0';
}
