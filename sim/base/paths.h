/* paths: the scenario files named on a command line.
 *
 * Each argument is a file, or a directory searched recursively for *.yaml
 * (hidden entries and symbolic links skipped, at most PATHS_DEPTH_MAX
 * levels), each directory's files in byte order, so every command that
 * takes PATHS sees the same files in the same order. No arguments means
 * PATHS_DEFAULT. Errors (a missing path, an unreadable directory) are
 * printed to stderr as "sessim: PATH: reason". Beside them, two file-tree
 * helpers: creating a file's folders and removing a temporary tree.
 */
#ifndef SESSIM_SIM_PATHS_H
#define SESSIM_SIM_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#define PATHS_DEFAULT "scenarios"
#define PATHS_DEPTH_MAX 64

struct paths {
    char **items;   /* owned strings */
    size_t len, cap;
};

/* Appends a copy of path. */
void paths_add(struct paths *p, const char *path);
/* Releases every string; the list is empty and reusable. */
void paths_free(struct paths *p);
/* Expands args into out; false when any argument failed (the others are
 * still collected). */
bool paths_collect(char **args, size_t nargs, struct paths *out);
/* Creates the folders of file's path that do not exist (mkdir -p of its
 * parent). Returns 0, or the errno of the mkdir that failed. */
int paths_make_parents(const char *file);
/* Removes path and everything below it, as far as it can (symbolic links
 * are removed, never followed). A missing path is not an error. */
void paths_remove_tree(const char *path);

#endif
