/* The throughput driver for fuzz/stream_parser.c against its raw-expat
 * reference (fuzz/bench/expat_raw.c), with the ordinary compiler:
 * `fuzzbench-stream_parser DIR MAX_LEN SECONDS` loads the files of DIR
 * (README.md aside) cut to MAX_LEN bytes, as libFuzzer's -max_len does,
 * then runs the target and the reference on each of them in name order,
 * the two in turn (on every other input the reference first), round after
 * round, until the two have used SECONDS of CPU time together (one round
 * at least), and prints "EXECUTIONS TARGET_CPU_S REFERENCE_CPU_S" on
 * standard output: each side's CPU time over the same executions. Taken
 * input by input, the pair sees the same machine: a neighbour's load or a
 * clock change moves both sides, not their ratio. `sessim bench` prints
 * the ratio. Before it times anything it checks that the two parse the
 * same bytes: on each input, the stanzas raw expat completes in a whole
 * pass are those the target's stream parser delivers (restarting after
 * <auth> as the target does); exit 1 when they differ, naming the input.
 * Exit 2 on bad arguments or an unreadable directory. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/xmlstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int bench_reference_input(const uint8_t *data, size_t size);     /* expat_raw.c */
size_t bench_reference_stanzas(const uint8_t *data, size_t size);

struct input {
    char *name;
    uint8_t *data;
    size_t len;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

struct counted {
    struct xmlstream *p;
    size_t stanzas;
};

static void count_stanza(void *ctx, struct stanza *st)
{
    struct counted *c = ctx;
    c->stanzas++;
    if (strcmp(stanza_root(st)->name, "auth") == 0)
        xmlstream_restart(c->p);   /* as fuzz/stream_parser.c */
    stanza_free(st);
}

/* Whether the reference completes the stanzas the target's whole pass
 * does on in; says which input when not. */
static bool same_stanzas(const struct input *in)
{
    static const struct xmlstream_callbacks cb = {.stanza = count_stanza};
    struct counted c = {0};
    c.p = xmlstream_new(NULL, &cb, &c, NULL, 0x5e551u);
    xmlstream_feed(c.p, (const char *)in->data, in->len);
    xmlstream_free(c.p);
    size_t ref = bench_reference_stanzas(in->data, in->len);
    if (ref != c.stanzas)
        fprintf(stderr, "%s: raw expat completes %zu stanzas, the target's stream parser %zu: "
                        "not the same passes\n", in->name, ref, c.stanzas);
    return ref == c.stanzas;
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
    bool same = true;
    for (size_t i = 0; i < n; i++)
        same = same_stanzas(&all[i]) && same;
    unsigned long long execs = 0;
    double target = 0, reference = 0;
    do {
        for (size_t i = 0; i < n; i++) {
            bool target_first = (execs + i) % 2 == 0;
            double t0 = now_s();
            if (target_first)
                LLVMFuzzerTestOneInput(all[i].data, all[i].len);
            else
                bench_reference_input(all[i].data, all[i].len);
            double t1 = now_s();
            if (target_first)
                bench_reference_input(all[i].data, all[i].len);
            else
                LLVMFuzzerTestOneInput(all[i].data, all[i].len);
            double t2 = now_s();
            target += target_first ? t1 - t0 : t2 - t1;
            reference += target_first ? t2 - t1 : t1 - t0;
        }
        execs += n;
    } while (same && target + reference < seconds);
    if (same)
        printf("%llu %.6f %.6f\n", execs, target, reference);
    for (size_t i = 0; i < n; i++) {
        free(all[i].name);
        free(all[i].data);
    }
    free(all);
    return same ? 0 : 1;
}
