/* template: `sessim new NAME [-o FILE]` writes a commented scenario
 * template (scenarios/FORMAT.md, version 1): every top-level key shown,
 * the optional ones commented out, and a minimal runnable step list (two
 * clients connect, send presence, receive it, check the state; SEMANTICS
 * P4). The file is created, never overwritten (O_EXCL), and the text
 * depends only on NAME. Exit status: 0 written, 2 bad usage, bad NAME,
 * existing file or write error (a message names the file).
 */
#ifndef SESSIM_SIM_TEMPLATE_H
#define SESSIM_SIM_TEMPLATE_H

#include <stddef.h>

/* Longest NAME accepted, in bytes. */
#define TEMPLATE_NAME_MAX 120

/* NULL when name is a valid scenario name: 1..TEMPLATE_NAME_MAX bytes of
 * segments of [A-Za-z0-9_.-] separated by '/', no segment empty or
 * starting with '.' or '-'. Otherwise the reason (a static string). */
const char *template_name_problem(const char *name);

/* The template for a valid name (caller frees). */
char *template_text(const char *name);

/* Creates path (which must not exist) with the template of name.
 * Returns 0, or -1 with a message naming path in err. */
int template_write(const char *path, const char *name, char *err, size_t size);


#endif
