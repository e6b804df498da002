/* Replays fuzz inputs through a target's LLVMFuzzerTestOneInput with the
 * ordinary compiler: `replay-TARGET PATH...`, each PATH a file or a
 * directory (its files in name order). Used by `make check` as a
 * regression test for the corpus and for fuzz/regressions/. A broken
 * property is reported with the file's path (common/finding.h). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/finding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap *= 2);
            if (bigger == NULL)
                free(data);
            data = bigger;
        }
    }
    fclose(f);
    if (data == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    finding_set_input(path);
    LLVMFuzzerTestOneInput(data, len);
    finding_set_input(NULL);
    free(data);
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        char **more = realloc(names, (count + 1) * sizeof *names);
        if (more == NULL)
            break;
        names = more;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        snprintf(names[count++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    int total = 0;
    for (size_t i = 0; i < count; i++) {
        int r = replay_file(names[i]);
        total = (total < 0 || r < 0) ? -1 : total + r;
        free(names[i]);
    }
    free(names);
    return total;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        int r = stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode) ? replay_dir(argv[i])
                                                                : replay_file(argv[i]);
        if (r < 0)
            return 2;
        total += r;
    }
    printf("%s: replayed %d inputs, no finding\n", argc > 0 ? argv[0] : "replay", total);
    return 0;
}
