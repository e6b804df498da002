/* template_cmd: `sessim new NAME [-o FILE]`: writes the commented
 * scenario template (scenario/template.h) to FILE, by default
 * scenarios/NAME.yaml, never over an existing file. Exit status: 0
 * written, 2 a usage error, a bad name or a file that cannot be written.
 */
#ifndef SESSIM_SIM_TEMPLATE_CMD_H
#define SESSIM_SIM_TEMPLATE_CMD_H

/* `sessim new` with argv[0] = "new": returns the exit status. */
int template_cmd_main(int argc, char **argv);

#endif
