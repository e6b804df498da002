/* bench: parser and model benchmarks (see bench.h). */
#include "bench.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "model.h"
#include "prng.h"
#include "xmlstream.h"

#define CHUNK 4096

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One generated stanza: messages, presences and iqs with nested children
 * and escaped attributes. */
static void gen_stanza(struct prng *r, struct buf *b, unsigned long long n)
{
    switch (prng_below(r, 3)) {
    case 0:
        buf_puts(b, "<message to='juliet@localhost/balcony' type='chat' id='m");
        buf_put_u64(b, n);
        buf_puts(b, "'><body>Wherefore art thou &amp; why &lt;now&gt;? ");
        buf_put_u64(b, prng_below(r, 1000000));
        buf_puts(b, "</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
                    "<thread>t-42</thread></message>");
        break;
    case 1:
        buf_puts(b, "<presence><show>away</show><status>Out &quot;walking&quot; "
                    "the dog</status><priority>");
        buf_put_u64(b, prng_below(r, 128));
        buf_puts(b, "</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
                    "node='https://sessim.example/caps' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>"
                    "</presence>");
        break;
    default:
        buf_puts(b, "<iq type='set' id='r");
        buf_put_u64(b, n);
        buf_puts(b, "'><query xmlns='jabber:iq:roster'><item jid='contact");
        buf_put_u64(b, prng_below(r, 5000));
        buf_puts(b, "@localhost' name='Friend &apos;");
        buf_put_u64(b, n % 97);
        buf_puts(b, "&apos;'><group>Friends</group><group>Work &amp; Play</group></item>"
                    "</query></iq>");
        break;
    }
}

/* Writes about `bytes` of client stream to a temporary file, reads it back
 * (so the bytes come from a file, as a real capture would). */
static char *gen_stream(size_t bytes, size_t *len)
{
    char path[] = "/tmp/sessim-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+b");
    struct prng r;
    prng_seed(&r, 2026);
    struct buf b = {0};
    buf_puts(&b, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
    size_t total = 0;
    for (unsigned long long n = 0; total < bytes; n++) {
        gen_stanza(&r, &b, n);
        if (b.len > 1 << 20 || total + b.len >= bytes) {
            fwrite(b.data, 1, b.len, f);
            total += b.len;
            buf_clear(&b);
        }
    }
    fputs("</stream:stream>", f);
    buf_free(&b);
    *len = (size_t)ftell(f);
    rewind(f);
    char *data = malloc(*len);
    if (data == NULL || fread(data, 1, *len, f) != *len) {
        free(data);
        data = NULL;
    }
    fclose(f);
    unlink(path);
    return data;
}

static void XMLCALL noop_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)ud, (void)name, (void)atts;
}

static void XMLCALL noop_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

static void XMLCALL noop_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s, (void)len;
}

static double run_expat(const char *data, size_t len)
{
    double t0 = now_s();
    XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
    XML_SetHashSalt(p, 1);
    XML_SetElementHandler(p, noop_start, noop_end);
    XML_SetCharacterDataHandler(p, noop_text);
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        if (XML_Parse(p, data + off, (int)n, XML_FALSE) == XML_STATUS_ERROR) {
            fprintf(stderr, "bench: expat error %s\n", XML_ErrorString(XML_GetErrorCode(p)));
            break;
        }
    }
    XML_ParserFree(p);
    return now_s() - t0;
}

static void count_stanza(void *ctx, struct stanza *st)
{
    ++*(unsigned long long *)ctx;
    stanza_free(st);
}

static double run_sessim(const char *data, size_t len, unsigned long long *stanzas)
{
    double t0 = now_s();
    struct xmlstream_callbacks cb = {.stanza = count_stanza};
    struct xmlstream *p = xmlstream_new(&cb, stanzas, NULL, 1);
    for (size_t off = 0; off < len; off += CHUNK)
        xmlstream_feed(p, data + off, len - off < CHUNK ? len - off : CHUNK);
    if (xmlstream_error(p) != XMLSTREAM_E_NONE)
        fprintf(stderr, "bench: parser error %s\n", xmlstream_error_name(xmlstream_error(p)));
    xmlstream_free(p);
    return now_s() - t0;
}

static int bench_parser(size_t mb)
{
    size_t len;
    char *data = gen_stream(mb << 20, &len);
    if (data == NULL) {
        fprintf(stderr, "bench: cannot generate the input stream\n");
        return 1;
    }
    double best_expat = 1e9, best_sessim = 1e9;
    unsigned long long stanzas = 0;
    for (int round = 0; round < 3; round++) {   /* best of 3, interleaved */
        double e = run_expat(data, len);
        stanzas = 0;
        double s = run_sessim(data, len, &stanzas);
        best_expat = e < best_expat ? e : best_expat;
        best_sessim = s < best_sessim ? s : best_sessim;
    }
    double mbytes = (double)len / 1e6;
    printf("parser: %.1f MB stream, %llu stanzas, 4 KiB chunks, best of 3\n", mbytes, stanzas);
    printf("  raw expat (namespaces, no-op handlers)  %8.1f MB/s\n", mbytes / best_expat);
    printf("  sessim xmlstream (trees built + freed)  %8.1f MB/s\n", mbytes / best_sessim);
    printf("  ratio sessim/expat                      %8.2f\n", best_expat / best_sessim);
    free(data);
    return 0;
}

int bench_main(int argc, char **argv)
{
    size_t mb = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size-mb") == 0 && i + 1 < argc) {
            mb = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: sessim bench [--size-mb N]\n"
                   "  Benchmarks the stream parser against raw expat on a generated\n"
                   "  client stream of N MB (default 100) and prints the ratio.\n");
            return 0;
        } else {
            fprintf(stderr, "sessim bench: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    if (mb == 0 || mb > 4096) {
        fprintf(stderr, "sessim bench: --size-mb must be 1..4096\n");
        return 2;
    }
    return bench_parser(mb);
}
