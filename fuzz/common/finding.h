/* finding: how a fuzz target reports a broken property.
 *
 * A report names the target and the property, shows the results that
 * disagree (each around their first difference, which is marked) or the
 * one result that is wrong, and the input's path when it is known, then
 * aborts. The path is known in the replay driver (fuzz/replay.c sets it
 * per file) and under libFuzzer when it runs one file (taken from the
 * command line in LLVMFuzzerInitialize); while fuzzing, libFuzzer saves the
 * input after the abort and prints where. Output goes to stderr.
 *
 * SESSIM_FUZZ_PLANT=1 in the environment makes every target perturb one
 * side of a property, so that tests can see a finding reported
 * (fuzz/tests/plant_test.sh).
 */
#ifndef SESSIM_FUZZ_FINDING_H
#define SESSIM_FUZZ_FINDING_H

#include <stdbool.h>
#include <stddef.h>

/* The path shown with a finding; NULL: unknown. Borrowed until the next
 * call. */
void finding_set_input(const char *path);

/* Two results that the property says must be equal differ: prints both
 * (text, any bytes) with their first difference marked, and aborts. */
_Noreturn void finding_differ(const char *target, const char *property, const char *name_a,
                              const char *a, size_t alen, const char *name_b, const char *b,
                              size_t blen);

/* One result breaks the property: prints detail (NULL: none), aborts. */
_Noreturn void finding_fail(const char *target, const char *property, const char *detail);

/* Whether SESSIM_FUZZ_PLANT is set (read once). */
bool finding_planted(void);

/* libFuzzer's hook, called once before fuzzing: remembers the input path
 * when the command line names exactly one file. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
