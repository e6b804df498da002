/* template: `sessim new` (template.h). */
#include "scenario/template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"


/* The template; every %s is the scenario's name. */
static const char template_format[] =
    "# %s: a sessim scenario (scenarios/FORMAT.md, version 1).\n"
    "# Check it with `sessim lint FILE`, run it with `sessim run FILE`.\n"
    "# Optional keys are commented out with their defaults.\n"
    "\n"
    "scenario: %s                    # required: one line, what this scenario shows\n"
    "# description: |                # free text shown in reports\n"
    "#   Two resources of one account see each other's initial presence.\n"
    "# tags: [presence]              # select with `sessim run --tag presence`\n"
    "# spec: [\"SEMANTICS P4\"]        # rule ids shown in reports and coverage-map\n"
    "# target: any                   # any | model (skipped on live targets)\n"
    "# leftovers: fail               # fail | ignore: stanzas nobody received at the end\n"
    "# server:                       # every key has a default\n"
    "#   domain: localhost\n"
    "#   conflict: kick-old          # kick-old | reject-new | random-resource\n"
    "#   offline: true               # store messages for unavailable users\n"
    "#   registration: true          # in-band registration (XEP-0077)\n"
    "#   tombstones: true            # remember deleted accounts\n"
    "#   tombstone_expiry: 30d       # durations: 250ms, 10s, 5m, 2h, 30d\n"
    "#   profile: prosody            # prosody | ejabberd | rfc (else sessim run --profile)\n"
    "\n"
    "accounts:                       # accounts that exist before the first step\n"
    "  romeo: {}                     # {password: password, roster: {juliet: {subscription: "
    "both}}}\n"
    "\n"
    "clients:                        # one connection each: {account: A, resource: R}\n"
    "  phone: {account: romeo, resource: phone}\n"
    "  laptop: {account: romeo, resource: laptop}\n"
    "\n"
    "steps:\n"
    "  # stream, SASL and bind; the harness consumes that traffic\n"
    "  - phone: connect\n"
    "  - laptop: connect\n"
    "  # initial presence comes back to the sender (SEMANTICS P4)\n"
    "  - phone: {send: \"<presence/>\"}\n"
    "  - phone: {receive: \"<presence from='${phone.full}'/>\"}\n"
    "  # a list: these stanzas, in any order\n"
    "  - laptop: {send: \"<presence/>\"}\n"
    "  - laptop: {receive: [\"<presence from='${laptop.full}'/>\", "
    "\"<presence from='${phone.full}'/>\"]}\n"
    "  - phone: {receive: \"<presence from='${laptop.full}' to='${phone.full}'/>\"}\n"
    "  - phone: {receive: nothing}\n"
    "  # model state (skipped on live targets)\n"
    "  - check: {connected: [phone, laptop], available: [phone, laptop]}\n";

#define TEMPLATE_NAMES 2 /* occurrences of %s in template_format */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

const char *template_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return "is empty";
    if (len > TEMPLATE_NAME_MAX)
        return "is longer than 120 bytes";
    for (size_t i = 0; i < len; i++) {
        bool start = i == 0 || name[i - 1] == '/';
        if (name[i] == '/' && (start || i + 1 == len))
            return "has an empty path segment";
        if (name[i] != '/' && !name_char(name[i]))
            return "may use only letters, digits, '_', '-', '.' and '/'";
        if (start && (name[i] == '.' || name[i] == '-'))
            return "has a segment starting with '.' or '-'";
    }
    return NULL;
}

char *template_text(const char *name)
{
    size_t size = sizeof template_format + TEMPLATE_NAMES * strlen(name);
    char *text = mem_calloc(1, size);
    snprintf(text, size, template_format, name, name);
    return text;
}

int template_write(const char *path, const char *name, char *err, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(err, size, "%s: already exists; not overwriting it (choose another -o FILE)",
                     path);
        else
            snprintf(err, size, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    char *text = template_text(name);
    FILE *f = fdopen(fd, "w");
    bool ok = f != NULL && fputs(text, f) >= 0;
    if (f == NULL)
        close(fd);
    else if (fclose(f) != 0)
        ok = false;
    free(text);
    if (!ok)
        snprintf(err, size, "%s: write failed: %s", path, strerror(errno));
    return ok ? 0 : -1;
}
