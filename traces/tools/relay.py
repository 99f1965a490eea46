#!/usr/bin/env python3
"""relay.py - a userspace Ethernet bridge that delays and drops chosen TCP segments.

There is no netem on the recording machine, so loss and delay come from here: relay.py runs in
a middle network namespace with two interfaces (client side, server side), reads every frame
from one with an AF_PACKET socket and writes it unchanged to the other, after --delay-ms.
ARP and everything else pass through; only the chosen TCP segments are dropped:

  --drop c2s:OFFSET[xN]   drop the first N (default 1) transmissions of the client-to-server
  --drop s2c:OFFSET[xN]   (server-to-client) data segment carrying the byte at OFFSET of the
                          stream (0 = first payload byte), so later copies get through;
                          segments without payload (pure ACKs, FIN-only) are never dropped.
  --drop-syn N            drop the first N SYNs from the client.

Deterministic: the decisions depend only on sequence offsets, not on timing or segmentation.
Call order: record.sh starts it, waits for "ready" on stdout, runs the conversation, then ends
it with SIGTERM; it prints one line per drop and a summary line, and exits after --timeout s.

python3 standard library only; needs CAP_NET_RAW.
"""

import argparse
import heapq
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PACKET_IGNORE_OUTGOING = 23
SOL_PACKET = 263


def open_port(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass  # older kernels: outgoing frames are skipped by pkttype below
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def drain(s):
    """Throw away frames queued before bind() narrowed the socket to one interface."""
    while True:
        try:
            s.recv(65536)
        except BlockingIOError:
            return


def parse_tcp(frame):
    """(sport, dport, seq, flags, payload length) of an IPv4 TCP frame, or None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[0] >> 4 != 4 or ip[9] != 6 or ihl < 20 or len(ip) < ihl + 20:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    return sport, dport, seq, tcp[13], total - ihl - doff


class Dropper:
    """Decides, per direction, which data segments to drop (by stream offset)."""

    def __init__(self, rules, drop_syn):
        self.rules = {"c2s": [], "s2c": []}
        for r in rules:
            d, _, spec = r.partition(":")
            off, _, times = spec.partition("x")
            self.rules[d].append([int(off), int(times or 1)])
        self.isn = {}
        self.drop_syn = drop_syn
        self.dropped = 0

    def decide(self, d, frame):
        """True if the frame travelling in direction d is to be dropped."""
        t = parse_tcp(frame)
        if t is None:
            return False
        sport, dport, seq, flags, plen = t
        syn, ack = flags & 0x02, flags & 0x10
        if syn:
            self.isn[d] = seq
            if d == "c2s" and not ack and self.drop_syn > 0:
                self.drop_syn -= 1
                self.log("drop %s SYN seq=%u" % (d, seq))
                return True
            return False
        if plen <= 0 or d not in self.isn:
            return False
        rel = (seq - self.isn[d] - 1) & 0xffffffff
        for rule in self.rules[d]:
            if rule[1] > 0 and rel <= rule[0] < rel + plen:
                rule[1] -= 1
                self.log("drop %s data rel=%u len=%u (offset %u)" % (d, rel, plen, rule[0]))
                return True
        return False

    def log(self, msg):
        self.dropped += 1
        print(msg, flush=True)


def relay(a):
    ports = {"c2s": open_port(a.client_if), "s2c": open_port(a.server_if)}
    for s in ports.values():
        drain(s)
    out = {"c2s": ports["s2c"], "s2c": ports["c2s"]}
    by_fd = {s.fileno(): d for d, s in ports.items()}
    dropper = Dropper(a.drop, a.drop_syn)
    queue = []  # (release time, sequence, direction, frame)
    n = 0
    delay = a.delay_ms / 1000.0
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))
    print("ready", flush=True)
    deadline = time.monotonic() + a.timeout
    forwarded = 0
    while not stop[0] and time.monotonic() < deadline:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, d, frame = heapq.heappop(queue)
            out[d].send(frame)
            forwarded += 1
        wait = 0.2 if not queue else max(0.0, queue[0][0] - now)
        try:
            ready, _, _ = select.select(list(ports.values()), [], [], wait)
        except InterruptedError:
            continue
        for s in ready:
            d = by_fd[s.fileno()]
            for _ in range(64):  # bounded burst per wakeup
                try:
                    frame, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING or dropper.decide(d, frame):
                    continue
                n += 1
                heapq.heappush(queue, (time.monotonic() + delay, n, d, frame))
    print("summary forwarded=%d dropped=%d pending=%d"
          % (forwarded, dropper.dropped, len(queue)), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("client_if")
    p.add_argument("server_if")
    p.add_argument("--delay-ms", type=float, default=0.0, help="one-way delay")
    p.add_argument("--drop", action="append", default=[], metavar="DIR:OFFSET[xN]")
    p.add_argument("--drop-syn", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60.0)
    return relay(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
