#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py - writes the seed corpus of the fuzz targets.

    python3 tests/fuzz/mkseeds.py      (from the top of the tree)

Writes tests/fuzz/corpus/{frame,tcp_opt,config,pcap,udp}/seed-*.  The frame
seeds are programs for tests/fuzz/fuzzhost.c (opcodes documented there);
the pcap seeds are the small recorded traces of traces/.  Inputs that once
made a target fail are kept beside the seeds as regress-* files and are
never rewritten by this script.
"""
import os
import shutil
import struct

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")

SYN, FIN, RST, PSH, ACK, URG = 0x02, 0x01, 0x04, 0x08, 0x10, 0x20


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- TCP options: one byte (bit 0: SYN), then the options area -------------
def ts(v, e):
    return bytes([1, 1, 8, 10]) + struct.pack(">II", v, e)


def opt_seeds():
    syn_linux = struct.pack(">BBH", 2, 4, 1460) + bytes([4, 2]) + ts(1, 0)[2:] + bytes([1, 3, 3, 7])
    put("tcp_opt", "syn-linux", b"\x01" + syn_linux)
    put("tcp_opt", "ack-ts", b"\x00" + ts(5, 6))
    sack = bytes([1, 1, 5, 2 + 8 * 3]) + b"".join(struct.pack(">II", 100 * i, 100 * i + 50) for i in range(3))
    put("tcp_opt", "sack3", b"\x00" + sack)
    put("tcp_opt", "eol-nop", b"\x01" + bytes([1, 1, 0, 2, 4, 5, 0]))
    put("tcp_opt", "bad-len", b"\x01" + bytes([2, 1, 5, 5]))
    put("tcp_opt", "unknown-kind", b"\x01" + bytes([30, 6, 1, 2, 3, 4, 3, 3, 20]))


# ---- config: utcp.conf NUL arp.conf NUL route.conf --------------------------
def read(path):
    with open(os.path.join(TOP, path), "rb") as f:
        return f.read()


def config_seeds():
    conf, arp, route = (read("config/sample_" + n + ".conf") for n in ("utcp", "arp", "route"))
    put("config", "samples", conf + b"\0" + arp + b"\0" + route)
    small = b"io = sim\nport = sim0\nsim0.ip = 10.0.0.1/24\nsim0.gateway = 10.0.0.254\nseed = 7\n"
    put("config", "small", small + b"\0ARP_ENTRY 1\n10.0.0.2 02:00:00:00:00:02\n\0ROUTES 1\n"
        b"10.1.0.0/16 sim0 via 10.0.0.254\n")
    put("config", "bad-key", b"io = sim\nport = sim0\nbogus = 1\n")
    put("config", "bad-count", small + b"\0ARP_ENTRY 3\n10.0.0.2/32 00:00:00:00:00:01\n")


# ---- frames: programs for fuzzhost.c ------------------------------------------
def seg(conn, flags, dseq=0, dack=0, win=65535, opts=b"", paylen=0):
    return struct.pack(">BBBHHHB", 2, conn, flags, dseq & 0xFFFF, dack & 0xFFFF, win, len(opts)) + opts + struct.pack(">H", paylen)


def app(conn, call, n=0):
    return struct.pack(">BBBH", 5, conn, call, n)


def tick(ms):
    return struct.pack(">BH", 3, ms)


def frame(data):
    return struct.pack(">BH", 0, len(data)) + data


HOST_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 2])
HOST_IP, PEER_IP = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, l4):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0, PEER_IP, HOST_IP)
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return HOST_MAC + PEER_MAC + b"\x08\x00" + h + l4


def frame_seeds():
    put("frame", "data-ack", seg(0, ACK | PSH, paylen=100) + app(0, 0, 200) + seg(0, ACK, paylen=1000))
    put("frame", "write-ack", app(1, 1, 3000) + seg(1, ACK) + tick(300) + seg(1, ACK))
    put("frame", "sack-loss", app(0, 1, 6000) + seg(0, ACK, dack=-4000, opts=ts(2000, 1)[2:] + bytes([1, 1, 5, 10]) + struct.pack(">II", 0, 0)) + tick(1000) + bytes([4]))
    put("frame", "peer-fin", seg(0, ACK | FIN) + app(0, 0, 10) + app(0, 5))
    put("frame", "host-close", app(1, 5) + seg(1, ACK) + seg(1, ACK | FIN) + bytes([4]))
    put("frame", "rst", seg(0, RST) + seg(1, RST | ACK, dseq=100))
    put("frame", "ooo", seg(0, ACK, dseq=1000, paylen=500) + seg(0, ACK, paylen=1000) + seg(0, ACK, dseq=1500, paylen=10))
    put("frame", "new-conn", seg(3, SYN, opts=struct.pack(">BBH", 2, 4, 536)) + seg(3, ACK, dseq=1) + bytes([6]) + seg(2, ACK, paylen=20) + app(2, 0, 100))
    put("frame", "closed-port", seg(4, SYN) + seg(6, ACK, paylen=10))
    put("frame", "zero-window", app(1, 1, 20000) + seg(1, ACK, win=0) + tick(5000) + bytes([4, 4]) + seg(1, ACK, win=1000))
    put("frame", "shutdowns", app(0, 2) + app(0, 3) + seg(0, ACK | FIN, dack=1) + tick(2000))
    arp = (b"\xff" * 6 + PEER_MAC + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1)
           + PEER_MAC + PEER_IP + b"\0" * 6 + HOST_IP)
    icmp = struct.pack(">BBHHH", 8, 0, 0, 1, 1) + b"ping"
    icmp = icmp[:2] + struct.pack(">H", csum(icmp)) + icmp[4:]
    put("frame", "arp-icmp", frame(arp) + frame(ipv4(1, icmp)))
    raw = struct.pack(">HHIIBBHHH", 40001, 80, 0, 0, 0x50, ACK, 1000, 0, 0)
    put("frame", "raw-tcp", struct.pack(">BH", 1, len(raw)) + raw + struct.pack(">BH", 1, 8) + raw[:8])


def pcap_seeds():
    for name in ("refused", "simultaneous-close", "syn-retransmit", "client-close-first", "small-writes"):
        d = os.path.join(OUT, "pcap")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(TOP, "traces", name + ".pcap"), os.path.join(d, "seed-" + name + ".pcap"))


# ---- UDP: programs for tests/fuzz/fuzz_udp.c (opcodes documented there) ----
def udp_dgram(port, flags, data):
    return bytes([0, port, flags, len(data)]) + data


def udp_dgram_to(port, flags, data):  # selector 3: an explicit port
    return bytes([0, 3, flags]) + struct.pack(">H", port) + bytes([len(data)]) + data


def udp_seeds():
    put("udp", "in-recv", udp_dgram(0, 0, b"hello") + bytes([2, 0, 0, 8]) + bytes([2, 0, 0, 8]))
    put("udp", "peek-trunc", udp_dgram(0, 0, b"0123456789") + bytes([2, 0, 3, 1]) + bytes([2, 0, 0, 2]))
    put("udp", "closed-port", udp_dgram(2, 0, b"x") * 3 + bytes([4, 5]) + udp_dgram(2, 0, b"y"))
    put("udp", "refused", bytes([3, 1, 0, 20, 1, 3, 3, 1, 2, 1, 0, 8, 3, 1, 0, 4]))
    put("udp", "raw-bad", udp_dgram(0, 1, b"\x13\x88\x13\x88\x00\x03\x00\x00") + udp_dgram(0, 1, b"\x0f")
        + udp_dgram(0, 2, b"nock") + udp_dgram(0, 4, b"pad") + udp_dgram(0, 8, b"nic"))
    put("udp", "rcvbuf", bytes([5, 0, 0]) + udp_dgram(0, 0, bytes(200)) * 12 + bytes([7, 2, 0, 0, 255]))
    put("udp", "connect", bytes([6, 2, 0]) + bytes([3, 2, 5, 220]) + bytes([6, 2, 1]) + bytes([3, 2, 0, 9])
        + udp_dgram(1, 0, b"to connected") + bytes([7, 2, 1, 16]))
    # Over IPv6 (flag 16): sockets 3 (dual-stack [::]:5001) and 4 (connected).
    put("udp", "v6-in-recv", udp_dgram(0, 16, b"hello6") + bytes([2, 3, 0, 8]) + udp_dgram(1, 16, b"c")
        + bytes([2, 4, 0, 8]) + udp_dgram_to(5001, 0, b"v4 to dual") + bytes([2, 3, 0, 8]))
    put("udp", "v6-closed-nock", udp_dgram(2, 16, b"x") * 3 + udp_dgram(0, 16 | 2, b"nock")
        + udp_dgram(0, 16 | 2 | 8, b"nic") + udp_dgram(0, 16 | 1, b"\x0f\xa0\x13\x89\x00\x09\x00\x00z"))
    put("udp", "v6-refused", bytes([3, 4, 0, 20, 1, 1, 4, 4, 2, 4, 0, 8, 3, 4, 0, 4, 1, 2, 0, 4, 1, 4, 0, 4]))
    put("udp", "v6-mapped", bytes([3, 3, 0, 21, 3, 3, 0, 20]) + udp_dgram_to(5001, 0, b"mapped")
        + bytes([6, 3, 0, 3, 3, 5, 220, 6, 3, 1]))


# ---- IPv6: mode byte, then ops (fuzz_ipv6.c) ---------------------------------
# addresses: 0 peer, 1 peer link-local, 2 host, 3 host link-local,
# 4 all-nodes, 5 solicited-node of the host, 6 ::, 7 other
HOST = bytes.fromhex("20010db8000000000000000000000001")
PEER = bytes.fromhex("20010db8000000000000000000000002")
PEER_MAC = bytes.fromhex("020000000002")


def icmp6(s, d, hlim, m):
    return bytes([2, s, d, hlim]) + struct.pack(">H", len(m)) + m


def ipv6_seeds():
    echo = bytes([128, 0, 0, 0, 0, 1, 0, 1]) + b"abcdefgh"
    ns = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + HOST + bytes([1, 1]) + PEER_MAC
    na = bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + PEER + bytes([2, 1]) + PEER_MAC
    dad_ns = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + HOST
    tick = bytes([3, 0x03, 0xe8])
    put("ipv6", "echo", b"\x00" + icmp6(0, 2, 64, echo) + icmp6(1, 3, 64, echo) + icmp6(1, 4, 64, echo))
    put("ipv6", "ns-na", b"\x00" + icmp6(0, 5, 255, ns) + icmp6(0, 2, 64, echo) + icmp6(0, 2, 255, na) + tick * 50)
    put("ipv6", "resolve", b"\x00" + icmp6(0, 2, 64, echo) + tick + icmp6(0, 2, 255, na) + tick * 50)
    put("ipv6", "dad", b"\x01" + tick + icmp6(6, 5, 255, dad_ns) + icmp6(2, 4, 255, na) + tick * 3)
    ext = bytes([60, 0, 1, 4, 0, 0, 0, 0, 58, 0, 0x9e, 4, 0, 0, 0, 0]) + echo
    put("ipv6", "ext", b"\x02" + bytes([1, 0, 2, 0, 64]) + struct.pack(">H", len(ext)) + ext
        + bytes([1, 0, 2, 44, 64, 0, 16]) + bytes([58, 0, 0, 1, 0, 0, 0, 1]) + echo[:8]
        + bytes([1, 0, 2, 253, 64, 0, 8]) + bytes(8))


if __name__ == "__main__":
    opt_seeds()
    config_seeds()
    frame_seeds()
    pcap_seeds()
    udp_seeds()
    ipv6_seeds()
