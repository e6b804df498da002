#!/usr/bin/python3
"""Hostile clients against `sessim serve` (make check).

Run against a serve started with sim/tests/serve/accounts.yaml,
--max-connections 1000, --max-output 262144 and --idle-timeout 1000:
  - garbage bytes: the server answers with a stream error and closes;
  - a connection closed in the middle of a stanza;
  - a client that never reads while its output grows: disconnected at the
    output limit, the server's peak memory stays bounded;
  - 1,000 idle connections: all accepted, the next one refused, all closed
    by the idle limit, and a login works afterwards.
After each case the server must still answer a login. Prints one line per
check; exit 0 when all passed, 1 otherwise.

usage: hostile.py --port PORT --pid PID
"""
import argparse
import base64
import os
import socket
import sys
import time

HOST = "127.0.0.1"
HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")
MEMORY_MAX_KB = 128 * 1024


class Failed(Exception):
    pass


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect((HOST, port))
    return s


def read_until(s, needle, what):
    data = b""
    while needle not in data:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise Failed("timed out waiting for %s (got %r)" % (what, data[-200:])) from None
        if not chunk:
            raise Failed("connection closed waiting for %s (got %r)" % (what, data[-200:]))
        data += chunk
    return data


def read_to_eof(s, what, limit=10.0):
    """Everything until the server closes the connection."""
    s.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        raise Failed("the server did not close %s" % what) from None
    except ConnectionResetError:
        return data


def login(port, user="romeo", password="r0meo", resource="hostile", rcvbuf=None):
    s = connect(port, rcvbuf)
    s.sendall(HEADER.encode())
    read_until(s, b"</stream:features>", "features")
    cred = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>"
               % cred).encode())
    read_until(s, b"<success", "SASL success")
    s.sendall(HEADER.encode())
    read_until(s, b"</stream:features>", "features after SASL")
    s.sendall(("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
               "<resource>%s</resource></bind></iq>" % resource).encode())
    read_until(s, b"</iq>", "bind result")
    return s


class Run:
    def __init__(self, opts):
        self.opts = opts
        self.n = 0

    def ok(self, what):
        self.n += 1
        print("ok %d - %s" % (self.n, what), flush=True)

    def alive(self, after):
        s = login(self.opts.port, resource="probe")
        s.sendall(b"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
        read_until(s, b"id='r1'", "roster result")
        s.sendall(b"</stream:stream>")
        read_to_eof(s, "a closed stream")
        s.close()
        self.ok("a login works after " + after)

    def peak_kb(self):
        with open("/proc/%d/status" % self.opts.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise Failed("no VmHWM for pid %d" % self.opts.pid)

    def garbage(self):
        s = connect(self.opts.port)
        s.sendall(os.urandom(1) + b"\x00\xff<<>>&;" + bytes(range(256)) * 64)
        data = read_to_eof(s, "a garbage connection")
        s.close()
        if b"stream:error" not in data:
            raise Failed("no stream error for garbage: %r" % data[:200])
        self.ok("garbage bytes get a stream error and a close")
        self.alive("garbage")

    def mid_stanza(self):
        s = login(self.opts.port, resource="mid")
        s.sendall(b"<message to='juliet@localhost'><body>half a sta")
        s.close()
        self.ok("a connection closed mid-stanza")
        s = connect(self.opts.port)
        s.sendall(HEADER.encode() + b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mecha")
        s.close()
        self.ok("a connection closed mid-negotiation")
        self.alive("closes mid-stanza")

    def never_reads(self):
        s = login(self.opts.port, resource="deaf", rcvbuf=4096)
        body = "x" * 32768
        stanza = ("<message to='romeo@localhost/deaf'><body>%s</body></message>" % body).encode()
        sent = 0
        try:
            for _ in range(400):   # 13 MB echoed back to a client that does not read
                s.sendall(stanza)
                sent += len(stanza)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        s.close()
        self.ok("a client that never reads (%d bytes sent) is cut off" % sent)
        peak = self.peak_kb()
        if peak > MEMORY_MAX_KB:
            raise Failed("peak memory %d kB over %d kB" % (peak, MEMORY_MAX_KB))
        self.ok("peak memory %d MB stays under %d MB" % (peak // 1024, MEMORY_MAX_KB // 1024))
        self.alive("a client that never reads")

    def idle(self):
        socks = [connect(self.opts.port) for _ in range(1000)]
        self.ok("1000 idle connections accepted")
        extra = connect(self.opts.port)
        read_to_eof(extra, "a connection over the limit", 5)
        extra.close()
        self.ok("connection 1001 is refused")
        for s in socks:
            read_to_eof(s, "an idle unauthenticated connection", 10)
            s.close()
        self.ok("the idle limit closes all 1000")
        self.alive("1000 idle connections")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    opts = ap.parse_args()
    run = Run(opts)
    try:
        for case in (run.garbage, run.mid_stanza, run.never_reads, run.idle):
            case()
    except (Failed, OSError) as e:
        print("hostile: FAILED: %s" % e, file=sys.stderr)
        return 1
    print("hostile: %d checks passed" % run.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
