/* specmap_cmd: the command line of `sessim coverage-map` (and its alias
 * `spec-map`): reads the rule ids of the specification and the `spec:`
 * citations of the scenarios into a map (report/specmap.h) and prints it.
 */
#ifndef SESSIM_SIM_SPECMAP_CMD_H
#define SESSIM_SIM_SPECMAP_CMD_H

/* `sessim coverage-map [PATHS...] [--json F] [--semantics FILE]` (argv[0]
 * is the command name). The rules come from FILE, by default from
 * model/SEMANTICS.md under the current directory or else under the sessim
 * binary's directory or a parent of it. Returns 0, or 2 on a usage, input
 * or write error, and when no document with at least one rule id could be
 * read (the map without a document is for the functions above only). */
int specmap_cmd_main(int argc, char **argv);

#endif
