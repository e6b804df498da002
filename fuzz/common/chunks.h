/* chunks: the schedule in which a fuzz target feeds an input in pieces.
 *
 * The pieces (1 to 64 bytes) follow from the input's first 16 bytes, so a
 * replay cuts an input where the fuzzing run cut it, and the raw-expat
 * reference of `sessim bench` (fuzz/bench/expat_raw.c) makes exactly the
 * passes the stream_parser target makes.
 */
#ifndef SESSIM_FUZZ_CHUNKS_H
#define SESSIM_FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

struct chunks {
    uint32_t state;
};

/* Starts the schedule of data. */
void chunks_start(struct chunks *c, const uint8_t *data, size_t size);
/* The length of the next piece, at most left (> 0). */
size_t chunks_next(struct chunks *c, size_t left);

#endif
