#!/bin/sh
# tests/sim/replay_errors.sh - bad input to utcp-replay: a clear error that
# names the file and the problem (exit status 2), never a crash.
#
# Inputs: a missing file, an empty file, a file that is not a pcap, a
# truncated trace, a trace with one payload byte flipped (bad TCP checksum),
# a pcap holding no TCP connection (only a UDP frame, or a connection whose
# SYN is not in the file), an unsupported link type, and a malformed
# expectation file.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
rp="$top_builddir/tools/utcp-replay"
if [ ! -x "$rp" ]; then
	echo "replay_errors: $rp is not built" >&2
	exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "replay_errors: python3 is needed to build the bad inputs" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good="$top_srcdir/traces/http-get.pcap"
status=0

# expect FILE PATTERN [options]: exit status 2, stderr names FILE and matches PATTERN
expect() {
	f=$1
	pat=$2
	shift 2
	err=$("$rp" "$f" --expect none "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 2 ] || ! echo "$err" | grep -q -- "$f" || ! echo "$err" | grep -q -- "$pat"; then
		echo "FAIL: utcp-replay $f $*: exit $rc, message: $err (wanted 2 and '$pat')" >&2
		status=1
	else
		echo "ok: $err"
	fi
}

python3 - "$good" "$tmp" <<'PY'
import struct, sys
good, tmp = sys.argv[1], sys.argv[2]
data = open(good, 'rb').read()
open(tmp + '/empty.pcap', 'wb').close()
open(tmp + '/text.pcap', 'w').write('this is not a capture\n' * 10)
open(tmp + '/truncated.pcap', 'wb').write(data[:len(data) * 2 // 3])
# frames: (offset of record header, caplen)
endian = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
frames, off = [], 24
while off + 16 <= len(data):
    caplen = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
    frames.append((off, caplen))
    off += 16 + caplen
# flip the last payload byte of the first frame with data (> 14+20+32+ bytes)
flip = bytearray(data)
for o, c in frames:
    if c > 14 + 20 + 32 + 10:
        flip[o + 16 + c - 1] ^= 0x55
        break
open(tmp + '/flipped.pcap', 'wb').write(bytes(flip))
# the connection without its SYN: header + frames 3..
nosyn = data[:24] + b''.join(data[o:o + 16 + c] for o, c in frames[2:])
open(tmp + '/nosyn.pcap', 'wb').write(nosyn)
# one UDP frame, valid checksums
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0,
                           bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
ip[10:12] = struct.pack('!H', csum(bytes(ip)))
frame = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + bytes(ip) + struct.pack('!HHHH', 1, 2, 8, 0)
hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
rec = struct.pack('<IIII', 0, 0, len(frame), len(frame))
open(tmp + '/udp.pcap', 'wb').write(hdr + rec + frame)
# an unsupported link type (DLT_IEEE802_11 = 105)
open(tmp + '/wifi.pcap', 'wb').write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105) + rec + frame)
PY

expect "$tmp/missing.pcap" "No such file"
# Without --expect none a missing pcap is still the pcap's fault, not its .expect's.
err=$("$rp" "$tmp/missing.pcap" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 2 ] || ! echo "$err" | grep -q -- "$tmp/missing.pcap: " || echo "$err" | grep -q 'missing.expect'; then
	echo "FAIL: utcp-replay $tmp/missing.pcap: exit $rc, message: $err" >&2
	status=1
else
	echo "ok: $err"
fi
expect "$tmp/empty.pcap" "not a readable pcap file"
expect "$tmp/text.pcap" "not a readable pcap file"
expect "$tmp/truncated.pcap" "truncated"
expect "$tmp/flipped.pcap" "bad TCP checksum"
expect "$tmp/nosyn.pcap" "no TCP connection"
expect "$tmp/udp.pcap" "no TCP connection"
expect "$tmp/wifi.pcap" "not supported"

# A malformed expectation file names its file and line.
printf '[replay client]\nend fin\n' >"$tmp/bad.expect"
err=$("$rp" "$good" --expect "$tmp/bad.expect" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 2 ] || ! echo "$err" | grep -q "$tmp/bad.expect:2"; then
	echo "FAIL: bad expectation file: exit $rc, message: $err" >&2
	status=1
else
	echo "ok: $err"
fi
# An expectation that does not hold fails the run (exit 1) and says which.
printf '[replay client]\nend = rst\n[replay server]\n' >"$tmp/wrong.expect"
out=$("$rp" "$good" --expect "$tmp/wrong.expect" 2>&1)
rc=$?
if [ $rc -ne 1 ] || ! echo "$out" | grep -q "expect end = rst: got fin"; then
	echo "FAIL: unmet expectation: exit $rc, output: $out" >&2
	status=1
else
	echo "ok: $(echo "$out" | head -1)"
fi
exit $status
