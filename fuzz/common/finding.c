/* finding: reports of broken properties for the fuzz targets (finding.h). */
#include "finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONTEXT_LINES 4     /* shown before and after the differing line */
#define CONTEXT_BYTES 72    /* shown either side of the difference in a long line */

static const char *input_path;

void finding_set_input(const char *path)
{
    input_path = path;
}

bool finding_planted(void)
{
    static int planted = -1;
    if (planted < 0) {
        const char *v = getenv("SESSIM_FUZZ_PLANT");
        planted = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
    }
    return planted;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *file = NULL;
    int files = 0;
    for (int i = 1; i < *argc; i++) {
        struct stat sb;
        const char *a = (*argv)[i];
        if (a[0] != '-' && stat(a, &sb) == 0 && S_ISREG(sb.st_mode)) {
            file = a;
            files++;
        }
    }
    if (files == 1)
        finding_set_input(file);
    return 0;
}

static void header(const char *target, const char *property)
{
    fprintf(stderr, "\n%s: property broken: %s\n", target, property);
    if (input_path != NULL)
        fprintf(stderr, "input: %s\n", input_path);
    else
        fprintf(stderr, "input: not known here (libFuzzer saves it after the abort, see "
                        "\"Test unit written to\" below)\n");
}

/* Prints one byte as the reader sees it; returns the columns used. */
static int put_byte(unsigned char c)
{
    if (c >= 0x20 && c < 0x7f && c != '\\') {
        fputc(c, stderr);
        return 1;
    }
    fprintf(stderr, "\\x%02x", c);
    return 4;
}

/* Prints line [from, to) of s, marked when it holds the difference at
 * `diff`; a long line is cut to a window around the difference. */
static void put_line(const char *s, size_t from, size_t to, size_t diff, bool marked)
{
    size_t lo = from, hi = to;
    if (marked && diff > from + CONTEXT_BYTES)
        lo = diff - CONTEXT_BYTES;
    if (hi > (marked ? diff : lo) + CONTEXT_BYTES)
        hi = (marked ? diff : lo) + CONTEXT_BYTES;
    int col = fprintf(stderr, "%s%s", marked ? "  > " : "    ", lo > from ? "..." : "");
    int caret = col;
    for (size_t i = lo; i < hi; i++) {
        if (i == diff)
            caret = col;
        col += put_byte((unsigned char)s[i]);
    }
    if (diff == hi && marked)
        caret = col;
    fprintf(stderr, "%s\n", hi < to ? "..." : "");
    if (marked)
        fprintf(stderr, "%*s^ first difference (byte %zu)\n", caret, "", diff);
}

/* Prints s line by line around the line holding byte diff. */
static void show_side(const char *name, const char *s, size_t len, size_t diff)
{
    size_t lines = 0, diff_line = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n') {
            if (i < diff)
                diff_line++;
            lines++;
        }
    fprintf(stderr, "--- %s (%zu bytes, %zu lines):\n", name, len, lines);
    size_t line = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '\n')
            continue;
        bool marked = line == diff_line;
        if (marked && start == len) {
            fprintf(stderr, "  > (end)\n    ^ first difference (byte %zu)\n", diff);
            break;
        }
        if (line + CONTEXT_LINES >= diff_line && line <= diff_line + CONTEXT_LINES &&
            (i > start || marked || i < len))
            put_line(s, start, i, diff, marked);
        else if (line + CONTEXT_LINES + 1 == diff_line || line == diff_line + CONTEXT_LINES + 1)
            fprintf(stderr, "    ...\n");
        line++;
        start = i + 1;
    }
}

void finding_differ(const char *target, const char *property, const char *name_a, const char *a,
                    size_t alen, const char *name_b, const char *b, size_t blen)
{
    size_t diff = 0;
    while (diff < alen && diff < blen && a[diff] == b[diff])
        diff++;
    header(target, property);
    show_side(name_a, a, alen, diff);
    show_side(name_b, b, blen, diff);
    fflush(stderr);
    abort();
}

void finding_fail(const char *target, const char *property, const char *detail)
{
    header(target, property);
    if (detail != NULL)
        fprintf(stderr, "%s\n", detail);
    fflush(stderr);
    abort();
}
