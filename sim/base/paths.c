/* paths: scenario files from command-line arguments (see paths.h). */
#include "base/paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

void paths_add(struct paths *p, const char *path)
{
    if (p->len == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->items = mem_realloc(p->items, p->cap * sizeof *p->items);
    }
    size_t n = strlen(path) + 1;
    p->items[p->len] = mem_realloc(NULL, n);
    memcpy(p->items[p->len++], path, n);
}

void paths_free(struct paths *p)
{
    for (size_t i = 0; i < p->len; i++)
        free(p->items[i]);
    free(p->items);
    p->items = NULL;
    p->len = p->cap = 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static bool walk(const char *dir, int depth, struct paths *out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "sessim: %s: %s\n", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t dl = strlen(dir), n = dl + strlen(e->d_name) + 2;
        char *path = mem_realloc(NULL, n);
        snprintf(path, n, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < PATHS_DEPTH_MAX)
            ok = walk(path, depth + 1, out);
        else if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && has_yaml_suffix(e->d_name))
            paths_add(out, path);
        free(path);
    }
    closedir(d);
    return ok;
}

bool paths_collect(char **args, size_t nargs, struct paths *out)
{
    static char *const fallback[] = {(char *)PATHS_DEFAULT};
    if (nargs == 0) {
        args = (char **)fallback;
        nargs = 1;
    }
    bool ok = true;
    for (size_t i = 0; i < nargs; i++) {
        struct stat sb;
        if (stat(args[i], &sb) != 0) {
            fprintf(stderr, "sessim: %s: %s\n", args[i], strerror(errno));
            ok = false;
        } else if (S_ISDIR(sb.st_mode)) {
            size_t first = out->len;
            ok = walk(args[i], 0, out) && ok;
            qsort(out->items + first, out->len - first, sizeof *out->items, compare_paths);
        } else {
            paths_add(out, args[i]);
        }
    }
    return ok;
}

int paths_make_parents(const char *file)
{
    char *dir = mem_strdup(file);
    int e = 0;
    for (char *p = strchr(dir + 1, '/'); p != NULL && e == 0; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            e = errno;
        *p = '/';
    }
    free(dir);
    return e;
}

void paths_remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    for (struct dirent *e = d ? readdir(d) : NULL; e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t n = strlen(path) + 1 + strlen(e->d_name) + 1;
        char *sub = mem_realloc(NULL, n);
        snprintf(sub, n, "%s/%s", path, e->d_name);
        paths_remove_tree(sub);
        free(sub);
    }
    if (d != NULL)
        closedir(d);
    rmdir(path);
}
