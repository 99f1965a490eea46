#!/usr/bin/env python3
"""tcpapp.py - the client and server programs whose conversations are recorded in traces/.

Each behaviour is one small, fixed conversation over one TCP connection.  The payloads are
deterministic (SHA-256 counter stream of a tag), so a re-recorded trace carries the same bytes.
Each side writes into --out: <side>.sent and <side>.recv (the exact bytes it wrote and read)
and <side>.json (byte counts, digests, how the connection ended), which tracecheck.py compares
with the pcap.

Call order: record.sh starts `tcpapp.py server ...` in the server namespace, waits until it
listens, then runs `tcpapp.py client ...` in the client namespace; both exit by themselves
(every blocking call has a timeout).

python3 standard library only.
"""

import argparse
import fcntl
import hashlib
import json
import os
import socket
import struct
import sys
import time

SIOCOUTQ = 0x5411  # TIOCOUTQ: bytes in the send queue not yet acknowledged
IO_TIMEOUT = 20.0


def payload(tag, n):
    """n deterministic bytes: SHA-256(tag || counter) blocks."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (tag, i)).encode()).digest()
        i += 1
    return bytes(out[:n])


class Conn:
    """A socket that remembers every byte written and read, and how it ended."""

    def __init__(self, sock, side, outdir):
        self.sock = sock
        self.side = side
        self.outdir = outdir
        self.sent = bytearray()
        self.recv = bytearray()
        self.end = "open"
        self.notes = []
        sock.settimeout(IO_TIMEOUT)

    def send(self, data):
        """Write all of data; .sent holds what was handed to the kernel or attempted."""
        self.sent += data
        self.sock.sendall(data)

    def recv_exact(self, n):
        got = 0
        while got < n:
            chunk = self.sock.recv(min(65536, n - got))
            if not chunk:
                raise EOFError("eof after %d of %d bytes" % (got, n))
            self.recv += chunk
            got += len(chunk)

    def recv_eof(self):
        """Read until end of stream; a reset ends it too and is recorded."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.end = "eof"
                    return
                self.recv += chunk
        except ConnectionResetError:
            self.end = "reset"

    def wait_acked(self, limit=2.0):
        """Wait (bounded) until the peer acknowledged everything written."""
        deadline = time.monotonic() + limit
        buf = bytearray(4)
        while time.monotonic() < deadline:
            fcntl.ioctl(self.sock.fileno(), SIOCOUTQ, buf)
            if struct.unpack("i", bytes(buf))[0] == 0:
                return True
            time.sleep(0.005)
        return False

    def abort(self):
        """close() with SO_LINGER {1, 0}: the kernel sends RST (RFC 793 ABORT)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()
        if self.end == "open":
            self.end = "abort"

    def close(self):
        self.sock.close()
        if self.end == "open":
            self.end = "close"

    def report(self, extra=None):
        for name, data in (("sent", self.sent), ("recv", self.recv)):
            with open(os.path.join(self.outdir, "%s.%s" % (self.side, name)), "wb") as f:
                f.write(data)
        rep = {
            "side": self.side,
            "sent_bytes": len(self.sent),
            "sent_sha256": hashlib.sha256(self.sent).hexdigest(),
            "recv_bytes": len(self.recv),
            "recv_sha256": hashlib.sha256(self.recv).hexdigest(),
            "end": self.end,
            "notes": self.notes,
        }
        if extra:
            rep.update(extra)
        with open(os.path.join(self.outdir, "%s.json" % self.side), "w") as f:
            json.dump(rep, f, indent=1, sort_keys=True)
            f.write("\n")


def sleep_until(t):
    """Sleep until wall-clock time t (both namespaces share the clock), at most 10 s."""
    d = t - time.time()
    if d > 0:
        time.sleep(min(d, 10.0))


# Each behaviour: (client function, server function).  a = parsed arguments, c = Conn.

def c_upload(a, c):
    c.send(payload(a.tag + "/c2s", a.size))
    c.recv_eof()
    c.close()


def s_upload(a, c):
    c.recv_exact(a.size)
    c.close()


def c_download(a, c):
    c.recv_eof()
    c.close()


def s_download(a, c):
    c.send(payload(a.tag + "/s2c", a.size))
    c.close()


def c_client_close(a, c):
    c.send(payload(a.tag + "/c2s", a.req))
    c.recv_exact(a.resp)
    c.close()


def s_client_close(a, c):
    c.recv_exact(a.req)
    c.send(payload(a.tag + "/s2c", a.resp))
    c.recv_eof()
    time.sleep(a.pause)
    c.close()


def c_server_close(a, c):
    c.send(payload(a.tag + "/c2s", a.req))
    c.recv_eof()
    time.sleep(a.pause)
    c.close()


def s_server_close(a, c):
    c.recv_exact(a.req)
    c.send(payload(a.tag + "/s2c", a.resp))
    c.close()


def c_half_close(a, c):
    c.send(payload(a.tag + "/c2s", a.req))
    c.sock.shutdown(socket.SHUT_WR)
    c.recv_eof()
    c.close()


def s_half_close(a, c):
    c.recv_eof()
    data = payload(a.tag + "/s2c", a.resp)
    step = (len(data) + a.chunks - 1) // a.chunks
    for off in range(0, len(data), step):
        c.send(data[off:off + step])
        time.sleep(a.pause)
    c.close()


def c_abort_recv(a, c):
    c.recv_eof()
    c.close()


def s_abort_send(a, c):
    """Send --size, wait until acknowledged, send --tail more and abort at once."""
    data = payload(a.tag + "/s2c", a.size + a.tail)
    c.send(data[:a.size])
    if not c.wait_acked():
        c.notes.append("first part not acknowledged within 2 s")
    c.send(data[a.size:])
    c.abort()


def c_slow_reader(a, c):
    c.send(payload(a.tag + "/c2s", a.size))
    c.sock.shutdown(socket.SHUT_WR)
    c.recv_eof()
    c.close()


def s_slow_reader(a, c):
    """Stall (window fills, sender probes), read --resp bytes, stall again, drain."""
    time.sleep(a.pause)
    c.recv_exact(a.resp)
    time.sleep(a.pause)
    c.recv_eof()
    c.close()


def c_close_unread(a, c):
    """Read --resp bytes of a longer stream, then close: unread data makes it a RST
    (RFC 2525 §2.17, RFC 1122 §4.2.2.13)."""
    c.recv_exact(a.resp)
    c.close()


def s_send_until_reset(a, c):
    try:
        c.send(payload(a.tag + "/s2c", a.size))
        c.recv_eof()
    except (ConnectionResetError, BrokenPipeError):
        c.end = "reset"
    c.close()


def c_small_writes(a, c):
    msg = payload(a.tag + "/c2s", a.size)
    step = a.write
    for off in range(0, len(msg), step):
        c.send(msg[off:off + step])
    c.sock.shutdown(socket.SHUT_WR)
    c.recv_eof()
    c.close()


def s_small_writes(a, c):
    c.recv_eof()
    c.close()


def c_simultaneous(a, c):
    c.send(payload(a.tag + "/c2s", a.req))
    c.recv_exact(a.resp)
    sleep_until(a.close_at)
    c.close()


def s_simultaneous(a, c):
    c.recv_exact(a.req)
    c.send(payload(a.tag + "/s2c", a.resp))
    sleep_until(a.close_at)
    c.close()


BEHAVIOURS = {
    "upload": (c_upload, s_upload),
    "download": (c_download, s_download),
    "client-close": (c_client_close, s_client_close),
    "server-close": (c_server_close, s_server_close),
    "half-close": (c_half_close, s_half_close),
    "abort-send": (c_abort_recv, s_abort_send),
    "slow-reader": (c_slow_reader, s_slow_reader),
    "close-unread": (c_close_unread, s_send_until_reset),
    "small-writes": (c_small_writes, s_small_writes),
    "simultaneous-close": (c_simultaneous, s_simultaneous),
    "refused": (None, None),
}


def family(addr):
    # an IPv6 address (the IPv6 traces) or IPv4
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def run_server(a):
    ls = socket.socket(family(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.rcvbuf:
        # Set before listen(): the accepted socket inherits it and the SYN-ACK window
        # and window scale are computed from it.
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    ls.bind((a.addr, a.port))
    ls.listen(1)
    ls.settimeout(IO_TIMEOUT)
    sock, peer = ls.accept()
    ls.close()
    c = Conn(sock, "server", a.out)
    extra = {"peer": "%s:%d" % peer[:2]}
    if a.rcvbuf:
        extra["so_rcvbuf"] = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    BEHAVIOURS[a.behaviour][1](a, c)
    c.report(extra)


def run_client(a):
    sock = socket.socket(family(a.addr), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((a.bind, a.bind_port))
    sock.settimeout(IO_TIMEOUT)
    c = Conn(sock, "client", a.out)
    try:
        sock.connect((a.addr, a.port))
    except ConnectionRefusedError:
        c.end = "refused"
        c.report()
        return
    BEHAVIOURS[a.behaviour][0](a, c)
    c.report()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("side", choices=("client", "server"))
    p.add_argument("behaviour", choices=sorted(BEHAVIOURS))
    p.add_argument("--addr", default="10.55.0.2", help="server address")
    p.add_argument("--port", type=int, default=9000, help="server port")
    p.add_argument("--bind", default="10.55.0.1", help="client address")
    p.add_argument("--bind-port", type=int, default=40000, help="client port")
    p.add_argument("--tag", default="utcp", help="payload tag (the trace name)")
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--tail", type=int, default=0)
    p.add_argument("--req", type=int, default=0)
    p.add_argument("--resp", type=int, default=0)
    p.add_argument("--write", type=int, default=1)
    p.add_argument("--chunks", type=int, default=1)
    p.add_argument("--pause", type=float, default=0.0)
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--close-at", type=float, default=0.0, help="wall-clock time to close")
    p.add_argument("--out", default=".")
    a = p.parse_args()
    if a.side == "server":
        run_server(a)
    else:
        run_client(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
