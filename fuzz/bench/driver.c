/* A throughput driver for a fuzz target's LLVMFuzzerTestOneInput, with the
 * ordinary compiler: `fuzzbench-TARGET DIR MAX_LEN SECONDS` loads the files
 * of DIR (README.md aside) cut to MAX_LEN bytes, as libFuzzer's -max_len
 * does, then runs the target on each of them in name order, round after
 * round, until it has used SECONDS of CPU time (one round at least; CPU
 * time, so that a loaded machine changes the figure little), and prints
 * "EXECUTIONS CPU_SECONDS" on standard output. `sessim bench` compares
 * fuzz/stream_parser.c with fuzz/bench/expat_raw.c this way. Exit 2 on bad
 * arguments or an unreadable directory. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    char *name;
    uint8_t *data;
    size_t len;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct input *)a)->name, ((const struct input *)b)->name);
}

/* Reads up to max_len bytes of path into in; false when it cannot. */
static bool load(const char *path, size_t max_len, struct input *in)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    in->data = malloc(max_len + 1);
    in->len = in->data != NULL ? fread(in->data, 1, max_len, f) : 0;
    fclose(f);
    return in->data != NULL;
}

static size_t load_dir(const char *dir, size_t max_len, struct input **out)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct input *all = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        struct input *more = realloc(all, (n + 1) * sizeof *all);
        if (more == NULL)
            break;
        all = more;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        all[n].name = malloc(len);
        snprintf(all[n].name, len, "%s/%s", dir, e->d_name);
        if (load(all[n].name, max_len, &all[n]))
            n++;
        else
            free(all[n].name);
    }
    closedir(d);
    qsort(all, n, sizeof *all, by_name);
    *out = all;
    return n;
}

int main(int argc, char **argv)
{
    long max_len = argc == 4 ? atol(argv[2]) : 0;
    double seconds = argc == 4 ? atof(argv[3]) : 0;
    struct input *all = NULL;
    size_t n = max_len > 0 ? load_dir(argv[1], (size_t)max_len, &all) : 0;
    if (n == 0) {
        fprintf(stderr, "usage: %s DIR MAX_LEN SECONDS (DIR with inputs)\n", argv[0]);
        return 2;
    }
    unsigned long long execs = 0;
    double t0 = now_s(), t = 0;
    do {
        for (size_t i = 0; i < n; i++)
            LLVMFuzzerTestOneInput(all[i].data, all[i].len);
        execs += n;
        t = now_s() - t0;
    } while (t < seconds);
    printf("%llu %.6f\n", execs, t);
    for (size_t i = 0; i < n; i++) {
        free(all[i].name);
        free(all[i].data);
    }
    free(all);
    return 0;
}
