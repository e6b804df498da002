/* The sim/ Check suites, one per module (sim/tests/<module>_test.c). */
#ifndef SESSIM_SIM_TESTS_SUITES_H
#define SESSIM_SIM_TESTS_SUITES_H

#include <check.h>

#define SIM_SUITES(X)   \
    X(scenario_suite) \
    X(match_suite)    \
    X(report_suite)   \
    X(runner_suite)   \
    X(client_suite)   \
    X(scansion_suite) \
    X(html_suite)     \
    X(specmap_suite)  \
    X(norm_suite)     \
    X(pace_suite)     \
    X(live_suite)     \
    X(target_tcp_suite) \
    X(tape_suite)     \
    X(twin_suite)     \
    X(diff_suite)     \
    X(order_suite)    \
    X(emit_suite)     \
    X(shrink_suite)   \
    X(explore_suite)  \
    X(merge_suite)    \
    X(template_suite) \
    X(recorder_suite) \
    X(net_suite)      \
    X(base64_suite)   \
    X(hostport_suite) \
    X(tcpdiag_suite)  \
    X(server_file_suite) \
    X(failalloc_suite) \
    X(password_suite) \
    X(phases_suite)   \
    X(plainxml_suite) \
    X(text_suite)

#define DECLARE_SUITE(fn) Suite *fn(void);
SIM_SUITES(DECLARE_SUITE)
#undef DECLARE_SUITE

#endif
