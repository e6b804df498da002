#!/usr/bin/python3
"""A real XMPP client (Debian's python3-slixmpp) against a server on loopback.

Two accounts of sim/tests/serve/accounts.yaml (romeo, juliet: a mutual
subscription) log in and exercise login, roster get, initial presence and
probes, presence with status and priority, messages to bare and full JIDs,
logout seen by the contact, and offline delivery on the next login. The
same script runs against `sessim serve` (make check) and against Prosody
(make live-check), so the client's expectations are checked on both.
Every wait is bounded (--timeout); exit 0 when every check passed, 1 with
the failed check on stderr otherwise.

With --sm both clients enable stream management (XEP-0198, with
resumption) and exchange acks as slixmpp does.

usage: slixmpp_client.py --port PORT [--host 127.0.0.1] [--domain localhost] [--sm]
"""
import argparse
import asyncio
import logging
import sys

import slixmpp

ACCOUNTS = {"romeo": "r0meo", "juliet": "jul1et"}


class CheckFailed(Exception):
    pass


class Client(slixmpp.ClientXMPP):
    """One connection; every message and presence it gets goes to a queue."""

    def __init__(self, opts, user, resource):
        jid = "%s@%s/%s" % (user, opts.domain, resource)
        super().__init__(jid, ACCOUNTS[user], sasl_mech="PLAIN")
        self.opts = opts
        self["feature_mechanisms"].unencrypted_plain = True
        self.register_plugin("xep_0203")   # delayed delivery
        if opts.sm:
            self.register_plugin("xep_0198")   # stream management, acks every 5 stanzas
        self.whitespace_keepalive = False
        self.messages = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.started = asyncio.get_event_loop().create_future()
        self.ended = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("failed_auth", self._failed)
        self.add_event_handler("disconnected", self._disconnected)
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("presence", lambda p: self.presences.put_nowait(p))

    def _started(self, _event):
        if not self.started.done():
            self.started.set_result(True)

    def _failed(self, _event):
        if not self.started.done():
            self.started.set_exception(CheckFailed("%s: authentication failed" % self.boundjid))

    def _disconnected(self, _event):
        if not self.ended.done():
            self.ended.set_result(True)

    async def login(self):
        self.connect(address=(self.opts.host, self.opts.port), use_ssl=False,
                     force_starttls=False, disable_starttls=True)
        await asyncio.wait_for(self.started, self.opts.timeout)

    async def logout(self):
        self.disconnect()
        await asyncio.wait_for(self.ended, self.opts.timeout)


class Checks:
    def __init__(self, opts):
        self.opts = opts
        self.passed = 0

    def ok(self, what):
        self.passed += 1
        print("ok %d - %s" % (self.passed, what), flush=True)

    async def expect(self, queue, pred, what):
        """The first item of queue that pred accepts (others are skipped)."""
        async def find():
            while True:
                item = await queue.get()
                if pred(item):
                    return item
        try:
            item = await asyncio.wait_for(find(), self.opts.timeout)
        except asyncio.TimeoutError:
            raise CheckFailed("timed out waiting for " + what) from None
        self.ok(what)
        return item


def presence_from(user, ptype=None):
    def pred(p):
        return p["from"].user == user and (ptype is None or p["type"] == ptype)
    return pred


async def scenario(opts):
    c = Checks(opts)
    bare = lambda u: "%s@%s" % (u, opts.domain)

    romeo = Client(opts, "romeo", "orchard")
    await romeo.login()
    c.ok("romeo logs in as %s" % romeo.boundjid)
    roster = await romeo.get_roster()
    items = roster["roster"]["items"]
    if bare("juliet") not in items or items[bare("juliet")]["subscription"] != "both":
        raise CheckFailed("romeo's roster lacks juliet (both): %r" % items)
    c.ok("romeo's roster has juliet with subscription both")
    romeo.send_presence()
    await c.expect(romeo.presences, presence_from("romeo", "available"),
                   "romeo gets his own initial presence")

    juliet = Client(opts, "juliet", "balcony")
    await juliet.login()
    c.ok("juliet logs in as %s" % juliet.boundjid)
    roster = await juliet.get_roster()
    if bare("romeo") not in roster["roster"]["items"]:
        raise CheckFailed("juliet's roster lacks romeo")
    c.ok("juliet's roster has romeo")
    juliet.send_presence(pstatus="on the balcony", ppriority=5)
    await c.expect(juliet.presences, presence_from("romeo", "available"),
                   "juliet's probe brings romeo's presence")
    p = await c.expect(romeo.presences, presence_from("juliet", "available"),
                       "romeo sees juliet come online")
    if p["status"] != "on the balcony" or p["priority"] != 5:
        raise CheckFailed("juliet's presence: status %r priority %r" % (p["status"], p["priority"]))
    c.ok("juliet's presence carries status and priority 5")

    romeo.send_message(mto=bare("juliet"), mbody="to the bare JID", mtype="chat")
    m = await c.expect(juliet.messages, lambda m: m["body"] == "to the bare JID",
                       "juliet gets a message sent to her bare JID")
    if m["from"] != romeo.boundjid:
        raise CheckFailed("message from %s, not %s" % (m["from"], romeo.boundjid))
    juliet.send_message(mto=romeo.boundjid, mbody="to the full JID", mtype="chat")
    await c.expect(romeo.messages, lambda m: m["body"] == "to the full JID",
                   "romeo gets a message sent to his full JID")

    romeo.send_presence(pshow="away", pstatus="walking")
    # slixmpp reports an available presence with <show/> as type == show
    p = await c.expect(juliet.presences, presence_from("romeo", "away"),
                       "juliet sees romeo's presence change")
    if p["show"] != "away" or p["status"] != "walking":
        raise CheckFailed("romeo's new presence: show %r status %r" % (p["show"], p["status"]))
    c.ok("the change carries show away and its status")

    juliet_full = str(juliet.boundjid)
    await juliet.logout()
    p = await c.expect(romeo.presences, presence_from("juliet", "unavailable"),
                       "romeo sees juliet log out")
    if str(p["from"]) != juliet_full:
        raise CheckFailed("unavailable from %s, not %s" % (p["from"], juliet_full))

    romeo.send_message(mto=bare("juliet"), mbody="while you were away", mtype="chat")
    await romeo.logout()
    c.ok("romeo logs out after a message to offline juliet")

    juliet = Client(opts, "juliet", "balcony")
    await juliet.login()
    c.ok("juliet logs in again")
    juliet.send_presence()
    m = await c.expect(juliet.messages, lambda m: m["body"] == "while you were away",
                       "juliet gets the offline message on her next login")
    if not m["delay"]["stamp"]:
        raise CheckFailed("the offline message has no delay stamp")
    c.ok("the offline message carries a delay stamp")
    await juliet.logout()
    return c.passed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--domain", default="localhost")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--sm", action="store_true", help="enable stream management (XEP-0198)")
    opts = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        passed = loop.run_until_complete(scenario(opts))
    except (CheckFailed, asyncio.TimeoutError, OSError) as e:
        print("slixmpp: FAILED: %s" % (e or type(e).__name__), file=sys.stderr)
        return 1
    print("slixmpp: %d checks passed" % passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
