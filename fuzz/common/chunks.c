/* chunks: the piece schedule of the fuzz targets (see chunks.h). */
#include "chunks.h"

void chunks_start(struct chunks *c, const uint8_t *data, size_t size)
{
    c->state = 2166136261u;   /* FNV-1a over the first 16 bytes */
    for (size_t i = 0; i < size && i < 16; i++)
        c->state = (c->state ^ data[i]) * 16777619u;
}

size_t chunks_next(struct chunks *c, size_t left)
{
    c->state = c->state * 1103515245u + 12345u;
    size_t want = 1 + (c->state >> 16) % 64;
    return want < left ? want : left;
}
