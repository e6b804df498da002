/* phases: the harness's connect-phase messages (see phases.h). */
#include "run/phases.h"

#include <string.h>

#include "base/base64.h"
#include "run/client.h"

/* Printable ASCII only: a parser reads such a value back unchanged. */
static bool plain(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

void phases_header(const char *domain, bool declaration, struct phases_msg *out)
{
    static const char decl[] = "<?xml version='1.0'?>";
    static const char head[] = "<stream:stream xmlns='jabber:client' "
                               "xmlns:stream='http://etherx.jabber.org/streams' to='";
    static const char tail[] = "' version='1.0'>";
    size_t domain_len = strlen(domain);
    *out = (struct phases_msg){0};
    /* one allocation: a plain domain is written as it is */
    buf_reserve(&out->bytes, sizeof decl + sizeof head + domain_len + sizeof tail);
    if (declaration)
        buf_append(&out->bytes, decl, sizeof decl - 1);
    buf_append(&out->bytes, head, sizeof head - 1);
    stanza_escape_attr(domain, domain_len, &out->bytes);
    buf_append(&out->bytes, tail, sizeof tail - 1);
    if (!plain(domain))
        return;
    out->head = (struct xmlstream_header){.to = domain, .version = "1.0",
                                          .content_ns = STANZA_NS_CLIENT};
    out->header = &out->head;
}

void phases_auth(const char *account, const char *password, struct phases_msg *out)
{
    *out = (struct phases_msg){0};
    struct buf plain_text = {0}, b64 = {0};
    buf_putc(&plain_text, '\0');
    buf_puts(&plain_text, account);
    buf_putc(&plain_text, '\0');
    buf_puts(&plain_text, password);
    base64_encode((const unsigned char *)plain_text.data, plain_text.len, &b64);
    buf_puts(&out->bytes, "<auth xmlns='" CLIENT_NS_SASL "' mechanism='PLAIN'>");
    buf_append(&out->bytes, b64.data, b64.len);
    buf_puts(&out->bytes, "</auth>");
    out->tree = stanza_new(NULL);
    struct stanza_node *auth = stanza_element_add(out->tree, NULL, CLIENT_NS_SASL, "auth");
    stanza_attr_add(out->tree, auth, "", "mechanism", "PLAIN");
    stanza_text_add(out->tree, auth, b64.data, b64.len);
    buf_free(&plain_text);
    buf_free(&b64);
}

void phases_bind(const char *id, const char *resource, struct phases_msg *out)
{
    *out = (struct phases_msg){0};
    buf_puts(&out->bytes, "<iq type='set' id='");
    stanza_escape_attr(id, strlen(id), &out->bytes);
    buf_puts(&out->bytes, "'><bind xmlns='" CLIENT_NS_BIND "'><resource>");
    stanza_escape_text(resource, strlen(resource), &out->bytes);
    buf_puts(&out->bytes, "</resource></bind></iq>");
    if (!plain(id) || !plain(resource))
        return;
    out->tree = stanza_new(NULL);
    struct stanza_node *iq = stanza_element_add(out->tree, NULL, STANZA_NS_CLIENT, "iq");
    stanza_attr_add(out->tree, iq, "", "type", "set");
    stanza_attr_add(out->tree, iq, "", "id", id);
    struct stanza_node *bind = stanza_element_add(out->tree, iq, CLIENT_NS_BIND, "bind");
    struct stanza_node *res = stanza_element_add(out->tree, bind, CLIENT_NS_BIND, "resource");
    stanza_text_add(out->tree, res, resource, strlen(resource));
}

void phases_msg_free(struct phases_msg *m)
{
    buf_free(&m->bytes);
    stanza_free(m->tree);
    *m = (struct phases_msg){0};
}
