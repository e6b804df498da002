/* scansion_cmd: `sessim import-scansion`: reads a Prosody scansion script,
 * translates it (scenario/scansion.h), checks that the result loads like
 * any scenario, and writes it.
 */
#ifndef SESSIM_SIM_SCANSION_CMD_H
#define SESSIM_SIM_SCANSION_CMD_H

/* `sessim import-scansion FILE.scs [-o OUT.yaml] [--spec S]... [--tag T]...
 * [--until LINE] [--note TEXT] [--insert LINE STEP]...`: writes the scenario to OUT (default
 * stdout) after checking that it loads. argv[0] is the command name.
 * Returns 0, or 2 on a usage, input or write error (message on stderr). */
int scansion_cmd_main(int argc, char **argv);

#endif
