/* The model/ Check suites, one per module (model/tests/<module>_test.c). */
#ifndef SESSIM_MODEL_TESTS_SUITES_H
#define SESSIM_MODEL_TESTS_SUITES_H

#include <check.h>

#define MODEL_SUITES(X) \
    X(buf_suite)        \
    X(map_suite)        \
    X(stanza_suite)     \
    X(xmlstream_suite)  \
    X(jid_suite)        \
    X(model_suite)      \
    X(invariant_suite)  \
    X(xmpp_suite)       \
    X(prng_suite)       \
    X(strset_suite)     \
    X(sasl_suite)       \
    X(heap_suite)

#define DECLARE_SUITE(fn) Suite *fn(void);
MODEL_SUITES(DECLARE_SUITE)
#undef DECLARE_SUITE

#endif
