/* scansion_cmd: `sessim import-scansion`: reads a Prosody scansion script,
 * translates it (scenario/scansion.h), checks that the result loads like
 * any scenario, and writes it.
 */
#ifndef SESSIM_SIM_SCANSION_CMD_H
#define SESSIM_SIM_SCANSION_CMD_H

/* `sessim import-scansion FILE.scs [-o OUT.yaml] [--spec S]... [--tag T]...
 * [--until LINE] [--note TEXT] [--insert LINE STEP]...`: writes the scenario to OUT (default
 * stdout) after checking that it loads. argv[0] is the command name.
 * Returns 0; 1 when it was written but the script needs what the model
 * lacks (scansion_needs: each need named on stderr at its script line,
 * and the --until that keeps what comes before); 2 on a usage, input or write
 * error (message on stderr; nothing written). */
int scansion_cmd_main(int argc, char **argv);

#endif
