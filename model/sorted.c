/* sorted: binary search by string key (see sorted.h). */
#include "sorted.h"

#include <string.h>

size_t sorted_search(const void *base, size_t n, size_t size, const char *name,
                     const char *(*key_of)(const void *elem), bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key_of((const char *)base + mid * size), name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}
