/* model_client: a program built against an installed libsessim-model.a
 * through pkg-config (sim/tests/install_test.sh). It includes every
 * installed header, feeds a client stream header to the model and expects
 * the server's stream header and features to come out, with no invariant
 * broken. Exit 0 when all holds, 1 with a message otherwise. */
#include <stdio.h>
#include <string.h>

#include <sessim/buf.h>
#include <sessim/invariant.h>
#include <sessim/jid.h>
#include <sessim/model.h>
#include <sessim/prng.h>
#include <sessim/stanza.h>
#include <sessim/xmlstream.h>

static const char header[] =
    "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

int main(void)
{
    struct model_config config;
    model_config_default(&config);
    struct model *m = model_new(&config, 1);
    if (m == NULL) {
        fputs("model_client: model_new failed\n", stderr);
        return 1;
    }
    unsigned conn = model_connect(m);
    int status = 1;
    if (model_input(m, conn, header, strlen(header)) != MODEL_OK) {
        fputs("model_client: model_input failed\n", stderr);
    } else {
        size_t len = 0;
        const char *out = model_output(m, conn, &len);
        struct invariant_violation v[4];
        size_t broken = invariant_check(m, v, 4);
        if (out == NULL || len == 0)
            fputs("model_client: no answer to the stream header\n", stderr);
        else if (strstr(out, "<stream:stream") == NULL || strstr(out, "<stream:features") == NULL)
            fprintf(stderr, "model_client: unexpected answer: %.*s\n", (int)len, out);
        else if (broken > 0)
            fprintf(stderr, "model_client: invariant %s broken: %s\n", v[0].rule, v[0].message);
        else
            status = 0;
        if (status == 0)
            printf("model_client: %zu bytes of answer, stream and features\n", len);
    }
    model_free(m);
    return status;
}
