/* prng: the model's only source of randomness, a seeded splitmix64.
 *
 * Pure and explicit: the state lives in the struct the caller passes, so a
 * run is a function of its seed (STYLE §2). Used for stream ids, generated
 * resources and roster-push ids, and by the explorer.
 */
#ifndef SESSIM_MODEL_PRNG_H
#define SESSIM_MODEL_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct prng {
    uint64_t state;
};

/* Seeds the generator. */
void prng_seed(struct prng *p, uint64_t seed);
/* The next 64 random bits. */
uint64_t prng_next(struct prng *p);
/* A uniform value in [0, n) (n > 0). */
uint64_t prng_below(struct prng *p, uint64_t n);
/* The characters prng_id draws from (URL-safe base64's). */
#define PRNG_ID_ALPHABET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
/* Fills out[0 .. len-2] with random characters of [a-zA-Z0-9_-] and
 * NUL-terminates it (len > 0): stream ids, generated resources. */
void prng_id(struct prng *p, char *out, size_t len);

#endif
