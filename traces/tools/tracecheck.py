#!/usr/bin/env python3
"""tracecheck.py - read a recorded pcap, describe its TCP conversation, and check it.

  tracecheck.py summary PCAP                  JSON description of the first TCP connection
  tracecheck.py verify PCAP APPDIR [--served FILE --body FILE] [--require WHAT]...
                                              compare the bytes the programs wrote and read
                                              (tcpapp.py reports, curl output) with the pcap,
                                              and check the trace shows what it is for
  tracecheck.py sidecar NAME TRACEDIR NOTES   write TRACEDIR/NAME.md from the pcap and the
                                              recording notes (markdown written by record.sh)
  tracecheck.py manifest TRACEDIR             write TRACEDIR/manifest.txt, one line per pcap
  tracecheck.py check TRACEDIR                check manifest.txt against the pcaps (no
                                              tshark needed; `make check` runs it)

The pcap reader is self-contained (classic pcap, Ethernet / Linux cooked / raw IPv4): it checks
every IPv4 and TCP checksum, reassembles each direction's byte stream by sequence number
(relative to the SYN's ISN, RFC 793 §3.3), and finds how the connection ended.  When tshark is
installed its analysis flags are counted and its own reassembly (`-z follow,tcp,raw`) must give
the same SHA-256 digests, or the command fails.

Call order: record.sh runs `verify` after each recording, then `sidecar`, then `manifest`.
python3 standard library only (tshark optional).
"""

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys

# tshark display filters counted for each trace: manifest token -> filter.
TSHARK_FLAGS = [
    ("zero-window", "tcp.analysis.zero_window"),
    ("zero-window-probe", "tcp.analysis.zero_window_probe"),
    ("keep-alive", "tcp.analysis.keep_alive"),
    ("window-full", "tcp.analysis.window_full"),
    ("window-update", "tcp.analysis.window_update"),
    ("retransmission", "tcp.analysis.retransmission"),
    ("fast-retransmission", "tcp.analysis.fast_retransmission"),
    ("spurious-retransmission", "tcp.analysis.spurious_retransmission"),
    ("dup-ack", "tcp.analysis.duplicate_ack"),
    ("lost-segment", "tcp.analysis.lost_segment"),
    ("out-of-order", "tcp.analysis.out_of_order"),
    ("sack", "tcp.options.sack_le"),
]

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class TraceError(Exception):
    pass


def csum(data):
    """RFC 1071 Internet checksum of data (returns the folded one's complement sum)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def read_pcap(path):
    """List of (timestamp, caplen == wirelen, IPv4 packet bytes) from a classic pcap file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 24:
        raise TraceError("%s: too short for a pcap header" % path)
    magic = raw[:4]
    formats = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
    if magic not in formats:
        raise TraceError("%s: not a classic pcap file (magic %s)" % (path, magic.hex()))
    end, unit = formats[magic]
    linktype = struct.unpack(end + "I", raw[20:24])[0] & 0x0fffffff
    off = 24
    out = []
    while off < len(raw):
        if off + 16 > len(raw):
            raise TraceError("%s: truncated record header at byte %d" % (path, off))
        sec, frac, caplen, wirelen = struct.unpack(end + "IIII", raw[off:off + 16])
        off += 16
        if off + caplen > len(raw):
            raise TraceError("%s: truncated packet at byte %d" % (path, off))
        frame = raw[off:off + caplen]
        off += caplen
        ip = link_payload(linktype, frame)
        if ip is not None:
            out.append((sec + frac * unit, caplen == wirelen, ip))
    return out


def link_payload(linktype, frame):
    """The IPv4 packet inside a frame, or None."""
    if linktype == 1:  # DLT_EN10MB
        if len(frame) >= 14 and frame[12:14] == b"\x08\x00":
            return frame[14:]
    elif linktype == 113:  # DLT_LINUX_SLL
        if len(frame) >= 16 and frame[14:16] == b"\x08\x00":
            return frame[16:]
    elif linktype in (101, 228):  # DLT_RAW, DLT_IPV4
        if frame and frame[0] >> 4 == 4:
            return frame
    return None


def parse_options(opts):
    """Dictionary of the TCP options (RFC 793 §3.1, RFC 7323, RFC 2018)."""
    res = {}
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            res["bad"] = True
            break
        ln = opts[i + 1]
        body = opts[i + 2:i + ln]
        if kind == 2 and ln == 4:
            res["mss"] = struct.unpack("!H", body)[0]
        elif kind == 3 and ln == 3:
            res["ws"] = body[0]
        elif kind == 4:
            res["sackok"] = True
        elif kind == 5:
            res["sack"] = (ln - 2) // 8
        elif kind == 8 and ln == 10:
            res["ts"] = struct.unpack("!II", body)
        i += ln
    return res


def parse_tcp(ts, full, ip):
    """Dictionary describing one IPv4 TCP segment, or None for anything else."""
    ihl = (ip[0] & 0x0f) * 4
    if ihl < 20 or len(ip) < ihl + 20 or ip[9] != 6:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    ip = ip[:total]
    tcp = ip[ihl:]
    sport, dport, seq, ack, doff, flags, win = struct.unpack("!HHIIBBH", tcp[:16])
    doff = (doff >> 4) * 4
    seg = {
        "ts": ts, "src": "%s:%d" % (ip_str(ip[12:16]), sport),
        "dst": "%s:%d" % (ip_str(ip[16:20]), dport),
        "seq": seq, "ack": ack, "flags": flags, "win": win,
        "opts": parse_options(tcp[20:doff]), "data": bytes(tcp[doff:]),
        "ip_ok": None, "tcp_ok": None,
    }
    if full and len(ip) == total:
        seg["ip_ok"] = csum(ip[:ihl]) == 0xffff
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        seg["tcp_ok"] = csum(pseudo + tcp) == 0xffff
    return seg


def ip_str(b):
    return ".".join(str(x) for x in b)


class Direction:
    """One direction of a connection: its segments and reassembled byte stream."""

    def __init__(self):
        self.isn = None
        self.segments = 0
        self.wire_bytes = 0
        self.pieces = []  # (relative offset, bytes)
        self.fin_rel = None
        self.fin_index = None
        self.fin_ack = None
        self.rst_index = None
        self.syn_opts = None
        self.syn_count = 0
        self.unanchored = 0  # data or FIN segments before any SYN from this side
        self.resent = 0
        self.hole_fills = 0
        self.max_end = 0
        self.zero_window_adverts = 0
        self.probes = 0
        self.last_win = None  # window and ack of the latest ACK this side sent
        self.last_ack = None

    def rel(self, seq):
        return (seq - self.isn - 1) & 0xffffffff

    def stream(self, name):
        """The contiguous byte stream from offset 0; checks that overlaps agree."""
        buf = bytearray()
        for off, data in sorted(self.pieces, key=lambda p: p[0]):
            if off > len(buf):
                break
            overlap = buf[off:off + len(data)]
            if overlap != data[:len(overlap)]:
                raise TraceError("%s: retransmitted bytes at offset %d differ" % (name, off))
            buf += data[len(overlap):]
        return bytes(buf)

    def gap(self):
        """True if some captured payload lies beyond a hole in the stream."""
        end = 0
        for off, data in sorted(self.pieces, key=lambda p: p[0]):
            if off > end:
                return True
            end = max(end, off + len(data))
        return False


def opts_token(o):
    if o is None:
        return "-"
    parts = []
    if "mss" in o:
        parts.append("mss%d" % o["mss"])
    if o.get("sackok"):
        parts.append("sackok")
    if "ts" in o:
        parts.append("ts")
    if "ws" in o:
        parts.append("ws%d" % o["ws"])
    return ",".join(parts) or "none"


def analyse(path):
    """Summary dictionary of the first TCP connection in the pcap at path."""
    segs = [s for s in (parse_tcp(*p) for p in read_pcap(path)) if s]
    if not segs:
        raise TraceError("%s: no TCP segment in the file" % path)
    first_syn = next((s for s in segs if s["flags"] & SYN and not s["flags"] & ACK), None)
    if first_syn is None:
        raise TraceError("%s: no SYN, the connection's start was not captured" % path)
    client, server = first_syn["src"], first_syn["dst"]
    conn = [s for s in segs if {s["src"], s["dst"]} == {client, server}]
    d = {"c2s": Direction(), "s2c": Direction()}
    bad_ip = bad_tcp = 0
    other = len(segs) - len(conn)
    for i, s in enumerate(conn):
        name = "c2s" if s["src"] == client else "s2c"
        me, peer = d[name], d["s2c" if name == "c2s" else "c2s"]
        bad_ip += s["ip_ok"] is False
        bad_tcp += s["tcp_ok"] is False
        account(me, peer, s, i)
    for name, x in d.items():
        if x.unanchored:
            raise TraceError("%s: %s data without a SYN from that side" % (path, name))
    return summarise(path, conn, d, client, server, bad_ip, bad_tcp, other)


def account(me, peer, s, i):
    """Add segment s (index i in the connection) to its direction me."""
    f = s["flags"]
    me.segments += 1
    me.wire_bytes += len(s["data"])
    if f & SYN:
        me.syn_count += 1
        if me.isn is None:
            me.isn = s["seq"]
            me.syn_opts = s["opts"]
    if f & RST and me.rst_index is None:
        me.rst_index = i
    if me.isn is None:
        if s["data"] or f & FIN:
            me.unanchored += 1
        return
    rel = 0 if f & SYN else me.rel(s["seq"])
    if s["data"]:
        end = rel + len(s["data"])
        if any(o < end and rel < o + len(x) for o, x in me.pieces):
            me.resent += 1  # carries bytes this capture already holds
        elif rel < me.max_end:
            me.hole_fills += 1  # fills a hole left by a segment not captured
        me.max_end = max(me.max_end, end)
        me.pieces.append((rel, s["data"]))
    if f & FIN and me.fin_index is None:
        me.fin_index = i
        me.fin_rel = rel + len(s["data"])
        me.fin_ack = s["ack"]
    if not f & (SYN | RST) and s["win"] == 0:
        me.zero_window_adverts += 1
    # A window probe (RFC 793 §3.7, RFC 1122 §4.2.2.17): Linux sends it without data at
    # snd_una - 1 while the peer advertises a zero window.
    if (peer.zero_window_adverts and peer.last_win == 0 and not s["data"]
            and not f & (SYN | FIN | RST) and peer.isn is not None
            and me.rel(s["seq"]) == (peer_acked(peer, me) - 1) & 0xffffffff):
        me.probes += 1
    if f & ACK and not f & RST:
        me.last_win = s["win"]
        me.last_ack = s["ack"]


def peer_acked(peer, me):
    """Relative offset (in me's stream) that the peer last acknowledged."""
    if peer.last_ack is None:
        return 0
    return me.rel(peer.last_ack)


def summarise(path, conn, d, client, server, bad_ip, bad_tcp, other):
    c, s = d["c2s"], d["s2c"]
    streams = {k: v.stream(path + " " + k) for k, v in d.items()}
    firsts = [(x.rst_index, "client" if x is c else "server") for x in (c, s)
              if x.rst_index is not None]
    firsts += [(x.fin_index, "client" if x is c else "server") for x in (c, s)
               if x.fin_index is not None]
    firsts.sort()
    end = "rst" if any(x.rst_index is not None for x in (c, s)) else \
        "fin" if c.fin_index is not None and s.fin_index is not None else "open"
    closer = firsts[0][1] if firsts else "-"
    features = []
    if c.fin_index is not None and s.fin_index is not None and end == "fin":
        # Simultaneous close (RFC 793 §3.5 figure 14): neither FIN acknowledges the other.
        if ((c.fin_ack - s.isn - 1) & 0xffffffff) <= s.fin_rel and \
           ((s.fin_ack - c.isn - 1) & 0xffffffff) <= c.fin_rel:
            closer = "both"
            features.append("simultaneous-close")
    for x, name in ((c, "client"), (s, "server")):
        if x.fin_index is not None and any(
                seg["data"] and seg["src"] != (client if x is c else server)
                for seg in conn[x.fin_index + 1:]):
            features.append("data-after-%s-fin" % name)
        if x.syn_count > 1:
            features.append("%s-syn-retransmit:%d" % (name, x.syn_count - 1))
        if x.resent:
            features.append("%s-resent:%d" % (name, x.resent))
        if x.hole_fills:
            features.append("%s-hole-fill:%d" % (name, x.hole_fills))
        if x.probes:
            features.append("%s-zero-window-probe:%d" % (name, x.probes))
        if x.gap():
            features.append("%s-stream-gap" % name)
    if s.isn is None and end == "rst":
        end = "refused"
    return {
        "file": os.path.basename(path),
        "client": client, "server": server,
        "packets": len(conn), "packets_c2s": c.segments, "packets_s2c": s.segments,
        "other_packets": other,
        "duration": round(conn[-1]["ts"] - conn[0]["ts"], 6),
        "bytes_c2s": len(streams["c2s"]), "bytes_s2c": len(streams["s2c"]),
        "wire_bytes_c2s": c.wire_bytes, "wire_bytes_s2c": s.wire_bytes,
        "sha256_c2s": hashlib.sha256(streams["c2s"]).hexdigest(),
        "sha256_s2c": hashlib.sha256(streams["s2c"]).hexdigest(),
        "end": end, "closer": closer,
        "opts_client": opts_token(c.syn_opts), "opts_server": opts_token(s.syn_opts),
        "bad_ip_checksums": bad_ip, "bad_tcp_checksums": bad_tcp,
        "features": features,
        "_streams": streams,
    }


def tshark_check(path, summ):
    """Add tshark's flag counts; fail if its stream reassembly disagrees with ours."""
    if not shutil.which("tshark"):
        summ["tshark"] = None
        return summ
    args = ["tshark", "-n", "-r", path, "-q", "-z", "io,stat,0," +
        ",".join(f for _, f in TSHARK_FLAGS)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    rows = [ln for ln in out.splitlines() if "<>" in ln]
    if len(rows) != 1:
        raise TraceError("%s: unexpected tshark io,stat output" % path)
    # "| 0.000 <> 2.401 | frames | bytes | frames | bytes | ..." one pair per filter
    nums = [int(x) for x in rows[0].split("|")[2:-1]]
    counts = {tok: nums[2 * i] for i, (tok, _) in enumerate(TSHARK_FLAGS)}
    summ["tshark"] = counts
    follow = tshark_follow(path)
    for k, node in (("c2s", 0), ("s2c", 1)):
        digest = hashlib.sha256(follow[node]).hexdigest()
        if digest != summ["sha256_" + k]:
            raise TraceError("%s: %s stream: tshark follow gives %d bytes %s, pcap reader "
                             "%d bytes %s" % (path, k, len(follow[node]), digest,
                                              summ["bytes_" + k], summ["sha256_" + k]))
    summ["tshark_follow"] = "agrees"
    return summ


def tshark_follow(path):
    """The two byte streams of tcp.stream 0 as tshark reassembles them."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-q", "-z", "follow,tcp,raw,0"],
                         capture_output=True, text=True, timeout=60).stdout
    streams = [bytearray(), bytearray()]
    body = False
    for ln in out.splitlines():
        if ln.startswith("Node 1:"):
            body = True
            continue
        if not body or ln.startswith("====") or not ln.strip():
            continue
        node = 1 if ln.startswith("\t") else 0
        streams[node] += bytes.fromhex(ln.strip())
    return [bytes(s) for s in streams]


def full_summary(path):
    return tshark_check(path, analyse(path))


def feature_tokens(summ):
    toks = list(summ["features"])
    for tok, n in (summ.get("tshark") or {}).items():
        if n:
            toks.append("%s:%d" % (tok, n))
    return ",".join(toks) or "-"


def manifest_line(name, summ):
    return " ".join([name, summ["file"], summ["client"], summ["server"], "client",
                     str(summ["packets"]), str(summ["bytes_c2s"]), str(summ["bytes_s2c"]),
                     summ["sha256_c2s"], summ["sha256_s2c"], summ["end"], summ["closer"],
                     summ["opts_client"], summ["opts_server"], feature_tokens(summ)])


MANIFEST_HEAD = """\
# utcp trace manifest: one line per trace in this directory, generated by
# tools/tracecheck.py manifest (do not edit; re-run traces/record.sh).
# Columns, separated by one space:
#   name        trace name; NAME.pcap is the capture, NAME.md how it was recorded
#   pcap        file name of the capture (classic pcap, Ethernet)
#   client      client address:port (sent the first SYN)
#   server      server address:port
#   capture     where tcpdump ran: client = on the client's veth
#   packets     TCP segments of the connection in the file
#   c2s_bytes   client->server stream bytes (reassembled, each byte once)
#   s2c_bytes   server->client stream bytes
#   c2s_sha256  SHA-256 of the client->server byte stream
#   s2c_sha256  SHA-256 of the server->client byte stream
#   end         fin (both sides sent FIN), rst (a RST ended it), refused (RST answered the SYN)
#   closer      side that sent the first FIN or RST: client, server, both (simultaneous close)
#   c_opts      options of the client's SYN: mssN, sackok, ts, wsN (none = no options)
#   s_opts      options of the server's SYN-ACK, - if there was none
#   features    comma list of token[:count]: simultaneous-close, data-after-client-fin,
#               client-syn-retransmit:N, client|server-resent:N (data segments carrying
#               bytes the capture already holds), client|server-hole-fill:N (data
#               segments filling a hole: the original was lost before the capture point),
#               client|server-zero-window-probe:N (Linux probes: no data,
#               seq = snd.una - 1), client|server-stream-gap, and tshark's
#               tcp.analysis counts: zero-window, window-full, window-update, keep-alive
#               (tshark's name for the Linux probes above), retransmission,
#               fast-retransmission, spurious-retransmission, dup-ack, lost-segment,
#               out-of-order, sack (segments carrying SACK blocks); - if none
"""


def cmd_manifest(tdir):
    lines = []
    for fn in sorted(os.listdir(tdir)):
        if fn.endswith(".pcap"):
            lines.append(manifest_line(fn[:-5], full_summary(os.path.join(tdir, fn))))
    with open(os.path.join(tdir, "manifest.txt"), "w") as f:
        f.write(MANIFEST_HEAD)
        for ln in lines:
            f.write(ln + "\n")
    print("manifest: %d traces" % len(lines))
    return 0


def compare(what, prog, pcap, exact, prog_is_longer, errors):
    """prog: bytes a program wrote or read; pcap: the matching stream in the capture."""
    if exact and prog != pcap:
        errors.append("%s: program %d bytes, pcap stream %d bytes, not equal"
                      % (what, len(prog), len(pcap)))
    elif prog_is_longer and not prog.startswith(pcap):
        errors.append("%s: pcap stream (%d bytes) is not a prefix of what the program "
                      "wrote (%d bytes)" % (what, len(pcap), len(prog)))
    elif not prog_is_longer and not pcap.startswith(prog):
        errors.append("%s: what the program read (%d bytes) is not a prefix of the pcap "
                      "stream (%d bytes)" % (what, len(prog), len(pcap)))


def requirement_met(summ, req):
    """req: end=X, closer=X, no-opt:X (neither SYN has option X), or a feature token that
    must be present with a count above zero."""
    key, eq, val = req.partition("=")
    if eq:
        return summ[key] == val
    if req.startswith("no-opt:"):
        opts = summ["opts_client"].split(",") + summ["opts_server"].split(",")
        return not any(o.startswith(req[7:]) for o in opts)
    return any(t.split(":")[0] == req for t in feature_tokens(summ).split(","))


def cmd_verify(path, appdir, served=None, body=None, requires=()):
    """Check what the programs wrote and read against the pcap's streams."""
    summ = full_summary(path)
    st = summ["_streams"]
    errors = []
    for side, out_dir, in_dir in (("client", "c2s", "s2c"), ("server", "s2c", "c2s")):
        rep = os.path.join(appdir, side + ".json")
        if not os.path.exists(rep):
            continue
        with open(rep) as f:
            r = json.load(f)
        with open(os.path.join(appdir, side + ".sent"), "rb") as f:
            sent = f.read()
        with open(os.path.join(appdir, side + ".recv"), "rb") as f:
            recv = f.read()
        # What the program wrote: the stream is all of it, or a prefix when it aborted or
        # was reset.  What it read: all of the stream if it read until end of stream, else
        # a prefix.
        compare(side + " sent", sent, st[out_dir], r["end"] in ("eof", "close"), True, errors)
        compare(side + " received", recv, st[in_dir], r["end"] == "eof", False, errors)
        print("%s: end=%s sent=%d recv=%d" % (side, r["end"], len(sent), len(recv)))
    if served:
        with open(served, "rb") as f:
            want = f.read()
        with open(body, "rb") as f:
            got = f.read()
        if got != want:
            errors.append("HTTP body differs from the served file")
        if not st["s2c"].endswith(want):
            errors.append("server stream does not end with the served file")
        if not st["c2s"].startswith(b"GET /"):
            errors.append("client stream does not start with GET /")
    for req in requires:
        if not requirement_met(summ, req):
            errors.append("requirement %s not met (end=%s closer=%s opts=%s/%s features=%s)"
                          % (req, summ["end"], summ["closer"], summ["opts_client"],
                             summ["opts_server"], feature_tokens(summ)))
    for e in errors:
        print("verify %s: %s" % (path, e), file=sys.stderr)
    print("verify %s: %s" % (os.path.basename(path), "FAIL" if errors else "ok"))
    return 1 if errors else 0


def cmd_sidecar(name, tdir, notes):
    path = os.path.join(tdir, name + ".pcap")
    summ = full_summary(path)
    with open(notes) as f:
        text = f.read()
    desc, _, how = text.partition("\n## How it was recorded\n")
    w = []
    w.append("# Trace `%s`\n" % name)
    w.append(desc.strip() + "\n")
    w.append("## Contents (checked by `tools/tracecheck.py` and tshark)\n")
    w.append("| | client → server | server → client |")
    w.append("|---|---|---|")
    w.append("| endpoint | `%s` | `%s` |" % (summ["client"], summ["server"]))
    w.append("| segments | %d | %d |" % (summ["packets_c2s"], summ["packets_s2c"]))
    w.append("| stream bytes | %d | %d |" % (summ["bytes_c2s"], summ["bytes_s2c"]))
    w.append("| payload bytes on the wire | %d | %d |"
             % (summ["wire_bytes_c2s"], summ["wire_bytes_s2c"]))
    w.append("| SYN options | %s | %s |" % (summ["opts_client"], summ["opts_server"]))
    w.append("| stream SHA-256 | `%s` | `%s` |\n" % (summ["sha256_c2s"], summ["sha256_s2c"]))
    w.append("- file: `%s`, %d bytes, %d TCP segments of one connection (%d other), %.3f s"
             % (summ["file"], os.path.getsize(path), summ["packets"],
                summ["other_packets"], summ["duration"]))
    w.append("- ends with: **%s**, first closed by: **%s**" % (summ["end"], summ["closer"]))
    w.append("- checksums: %d bad IPv4, %d bad TCP"
             % (summ["bad_ip_checksums"], summ["bad_tcp_checksums"]))
    w.append("- features: %s" % (", ".join(summ["features"]) or "none"))
    ts = summ.get("tshark")
    if ts:
        w.append("- tshark `tcp.analysis` counts: " + ", ".join(
            "%s %d" % (f, ts[t]) for t, f in TSHARK_FLAGS if ts[t]))
        w.append("- tshark `-z follow,tcp,raw,0` gives the same two digests")
    w.append("")
    w.append("## How it was recorded\n")
    w.append(how.strip() + "\n")
    w.append("## Manifest line\n")
    w.append("```\n%s\n```" % manifest_line(name, summ))
    with open(os.path.join(tdir, name + ".md"), "w") as f:
        f.write("\n".join(w) + "\n")
    return 0


def cmd_check(tdir):
    """Every manifest line must match its pcap (all columns but tshark's counts, which
    depend on the tshark version), every pcap must be listed, every sidecar must exist."""
    tshark_tokens = {tok for tok, _ in TSHARK_FLAGS}
    errors = []
    listed = set()
    with open(os.path.join(tdir, "manifest.txt")) as f:
        lines = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    for cols in lines:
        if len(cols) != 15:
            errors.append("manifest: %s: %d columns, want 15" % (cols[0], len(cols)))
            continue
        name = cols[0]
        listed.add(cols[1])
        if not os.path.exists(os.path.join(tdir, name + ".md")):
            errors.append("%s: no sidecar %s.md" % (name, name))
        try:
            summ = analyse(os.path.join(tdir, cols[1]))
        except (TraceError, OSError) as e:
            errors.append(str(e))
            continue
        summ["tshark"] = None
        want = manifest_line(name, summ).split()
        own = [t for t in cols[14].split(",") if t.split(":")[0] not in tshark_tokens]
        if cols[:14] != want[:14] or ",".join(own or ["-"]) != want[14]:
            errors.append("%s: manifest says\n  %s\npcap gives\n  %s"
                          % (name, " ".join(cols), " ".join(want)))
    for fn in sorted(os.listdir(tdir)):
        if fn.endswith(".pcap") and fn not in listed:
            errors.append("%s: not in manifest.txt" % fn)
    for e in errors:
        print("check: %s" % e, file=sys.stderr)
    print("check %s: %d traces, %s" % (tdir, len(lines), "FAIL" if errors else "ok"))
    return 1 if errors else 0


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "summary":
            summ = full_summary(argv[2])
            del summ["_streams"]
            print(json.dumps(summ, indent=1, sort_keys=True))
            return 0
        if len(argv) >= 4 and argv[1] == "verify":
            p = argparse.ArgumentParser(prog="tracecheck.py verify")
            p.add_argument("pcap")
            p.add_argument("appdir")
            p.add_argument("--served")
            p.add_argument("--body")
            p.add_argument("--require", action="append", default=[])
            a = p.parse_args(argv[2:])
            return cmd_verify(a.pcap, a.appdir, a.served, a.body, a.require)
        if len(argv) == 5 and argv[1] == "sidecar":
            return cmd_sidecar(argv[2], argv[3], argv[4])
        if len(argv) == 3 and argv[1] == "manifest":
            return cmd_manifest(argv[2])
        if len(argv) == 3 and argv[1] == "check":
            return cmd_check(argv[2])
    except (TraceError, OSError) as e:
        print("tracecheck: %s" % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
