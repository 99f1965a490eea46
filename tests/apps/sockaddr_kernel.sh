#!/bin/sh
# tests/apps/sockaddr_kernel.sh - the errno values core/api/sockaddr.c and
# udpsock.c give (asserted in tests/unit/test_sockaddr and test_udp6) asked
# of the Linux kernel itself, in a network namespace of its own (loopback
# only): bind, connect and sendto with short, long, foreign-family,
# AF_UNSPEC and IPv4-mapped addresses on AF_INET and AF_INET6 (dual-stack
# and IPV6_V6ONLY) sockets, getsockname's truncation, IPV6_V6ONLY after
# bind and on AF_INET, the bind rule across families.  Each line prints
# the kernel's answer beside the one utcp gives; any difference fails.
# Needs root (unshare), python3: else 77.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "sockaddr_kernel: needs root" >&2
	exit 77
fi
for t in unshare python3 ip; do
	command -v $t > /dev/null || { echo "sockaddr_kernel: needs $t" >&2; exit 77; }
done
if [ "${1:-}" != inside ]; then
	unshare --net true 2> /dev/null || { echo "sockaddr_kernel: no network namespace" >&2; exit 77; }
	exec timeout 60 unshare --net sh "$0" inside
fi
ip link set lo up
exec python3 - <<'PY'
import ctypes, ctypes.util, socket, struct, errno, os
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
AF_INET, AF_INET6, AF_UNSPEC = 2, 10, 0
def sin(fam, port, a):  # sockaddr_in bytes
    return struct.pack("=H", fam) + struct.pack(">H", port) + socket.inet_aton(a) + b"\0" * 8
def sin6(fam, port, a):
    return struct.pack("=H", fam) + struct.pack(">H", port) + b"\0" * 4 + socket.inet_pton(AF_INET6, a) + b"\0" * 4
def call(fn, s, buf, ln):
    b = ctypes.create_string_buffer(buf, max(len(buf), 1))
    ctypes.set_errno(0)
    r = fn(s, b, ln)
    return 0 if r >= 0 else errno.errorcode[ctypes.get_errno()]
def bind(s, b, l): return call(libc.bind, s, b, l)
def connect(s, b, l): return call(libc.connect, s, b, l)
def sendto(s, b, l):
    bb = ctypes.create_string_buffer(b, max(len(b), 1)); ctypes.set_errno(0)
    r = libc.sendto(s, b"x", 1, 0, bb if b is not None else None, l)
    return 0 if r >= 0 else errno.errorcode[ctypes.get_errno()]
def sock(fam, typ=socket.SOCK_DGRAM, v6only=None):
    s = socket.socket(fam, typ)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    return s
res = []
def t(name, got, want): res.append((name, got, want))
s = sock(AF_INET6, v6only=0)
t("v6 bind sockaddr_in 16", bind(s.fileno(), sin(AF_INET, 0, "0.0.0.0"), 16), "EINVAL")
t("v6 bind AF_INET in 28", bind(s.fileno(), sin(AF_INET, 0, "0.0.0.0") + b"\0" * 12, 28), "EAFNOSUPPORT")
t("v6 bind AF_UNSPEC 28", bind(s.fileno(), sin6(AF_UNSPEC, 0, "::"), 28), "EAFNOSUPPORT")
t("v6 bind 23 bytes", bind(s.fileno(), sin6(AF_INET6, 0, "::"), 23), "EINVAL")
t("v6 bind len 129", bind(s.fileno(), sin6(AF_INET6, 0, "::") + b"\0" * 101, 129), "EINVAL")
s1 = sock(AF_INET6, v6only=1)
t("v6only bind mapped", bind(s1.fileno(), sin6(AF_INET6, 0, "::ffff:127.0.0.1"), 28), "EINVAL")
t("v6only connect AF_INET", connect(s1.fileno(), sin(AF_INET, 9, "127.0.0.1"), 16), "EAFNOSUPPORT")
t("v6only connect mapped", connect(s1.fileno(), sin6(AF_INET6, 9, "::ffff:127.0.0.1"), 28), "ENETUNREACH")
t("v6only sendto AF_INET", sendto(s1.fileno(), sin(AF_INET, 9, "127.0.0.1"), 16), "ENETUNREACH")
t("v6only sendto mapped", sendto(s1.fileno(), sin6(AF_INET6, 9, "::ffff:127.0.0.1"), 28), "ENETUNREACH")
s2 = sock(AF_INET6, v6only=0)
t("dual connect AF_INET 8 bytes", connect(s2.fileno(), sin(AF_INET, 9, "127.0.0.1"), 8), "EINVAL")
t("dual connect family 99", connect(s2.fileno(), sin6(99, 9, "::1"), 28), "EAFNOSUPPORT")
t("dual sendto AF_UNSPEC", sendto(s2.fileno(), sin6(AF_UNSPEC, 9, "::1"), 28), "EDESTADDRREQ")
t("dual sendto family 1", sendto(s2.fileno(), struct.pack("=H", 1) + b"\0" * 14, 16), "EINVAL")
t("dual sendto 1 byte", sendto(s2.fileno(), sin6(AF_INET6, 9, "::1"), 1), "EINVAL")
t("dual sendto 20 bytes", sendto(s2.fileno(), sin6(AF_INET6, 9, "::1"), 20), "EINVAL")
t("dual sendto 23 bytes", sendto(s2.fileno(), sin6(AF_INET6, 9, "::1"), 23), "EINVAL")
t("dual sendto AF_INET 15", sendto(s2.fileno(), sin(AF_INET, 9, "127.0.0.1"), 15), "EINVAL")
t("dual sendto 0 bytes", sendto(s2.fileno(), sin6(AF_INET6, 9, "::1"), 0), "EINVAL")
t("dual sendto port 0", sendto(s2.fileno(), sin6(AF_INET6, 0, "::1"), 28), "EINVAL")
n = ctypes.create_string_buffer(64); l = ctypes.c_uint32(64)
s3 = sock(AF_INET6, v6only=0)
libc.getsockname(s3.fileno(), n, ctypes.byref(l))
t("unbound getsockname", (l.value, n.raw[:28] == struct.pack("=H", AF_INET6) + b"\0" * 26), (28, True))
l = ctypes.c_uint32(8); n = ctypes.create_string_buffer(b"\xaa" * 64, 64)
libc.getsockname(s3.fileno(), n, ctypes.byref(l))
t("getsockname cut to 8", (l.value, n.raw[8]), (28, 0xaa))
s3.bind(("::", 0))
ctypes.set_errno(0); one = ctypes.c_int(1)
r = libc.setsockopt(s3.fileno(), socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, ctypes.byref(one), 4)
t("V6ONLY after bind", errno.errorcode.get(ctypes.get_errno()) if r else 0, "EINVAL")
s4 = sock(AF_INET)
ctypes.set_errno(0)
r = libc.setsockopt(s4.fileno(), socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, ctypes.byref(one), 4)
t("V6ONLY on AF_INET", errno.errorcode.get(ctypes.get_errno()) if r else 0, "ENOPROTOOPT")
t("v4 bind AF_UNSPEC non-any", bind(s4.fileno(), sin(AF_UNSPEC, 0, "127.0.0.1"), 16), "EAFNOSUPPORT")
t("v4 sendto AF_INET6", sendto(s4.fileno(), sin6(AF_INET6, 9, "::1"), 28), "EAFNOSUPPORT")
t("v4 connect AF_INET6", connect(s4.fileno(), sin6(AF_INET6, 9, "::1"), 28), "EAFNOSUPPORT")
t("v4 connect AF_UNSPEC 1 byte", connect(s4.fileno(), sin(AF_UNSPEC, 0, "0.0.0.0"), 1), "EINVAL")
t("v4 sendto 0 bytes", sendto(s4.fileno(), sin(AF_INET, 9, "127.0.0.1"), 0), "EINVAL")
s5 = sock(AF_INET)
t("v4 bind AF_UNSPEC any", bind(s5.fileno(), sin(AF_UNSPEC, 0, "0.0.0.0"), 16), 0)
s6 = sock(AF_INET6, socket.SOCK_STREAM, v6only=0)
t("tcp6 connect AF_INET 16", connect(s6.fileno(), sin(AF_INET, 9, "127.0.0.1"), 16), "EINVAL")
t("tcp6 connect AF_INET in 28", connect(s6.fileno(), sin(AF_INET, 9, "127.0.0.1") + b"\0" * 12, 28), "EAFNOSUPPORT")
# mapped any bind on dual, then v6 datagrams? and dual-stack conflicts
a = sock(AF_INET); a.bind(("0.0.0.0", 5555))
d = sock(AF_INET6, v6only=0)
t("dual :: after 0.0.0.0", bind(d.fileno(), sin6(AF_INET6, 5555, "::"), 28), "EADDRINUSE")
o = sock(AF_INET6, v6only=1)
t("v6only :: after 0.0.0.0", bind(o.fileno(), sin6(AF_INET6, 5555, "::"), 28), 0)
bad = 0
for name, got, want in res:
    ok = got == want
    bad += not ok
    print("%s %s: kernel %s, utcp's rule %s" % ("ok" if ok else "DIFF", name, got, want))
print("%d of %d as utcp does" % (len(res) - bad, len(res)))
raise SystemExit(1 if bad else 0)
PY
