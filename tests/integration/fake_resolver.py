# SPDX-License-Identifier: GPL-2.0-or-later
# fake_resolver.py ADDR - an upstream resolver on loopback for the gateway's
# DNS relay, over UDP and TCP (port 53), for the DNS integration tests.
# What it answers depends on the name asked:
#   outside, twice, slow   A 198.51.100.7
#   big                    TXT, 4 strings of 250 bytes (a 1045-byte answer)
#   tconly                 TXT, 12 strings (3056 bytes): whole over TCP;
#                          over UDP a truncated answer (TC, no records)
#   twice                  over UDP: a forger's guess (the ID one off) first,
#                          then the answer twice
#   slow                   over UDP: answered 2 s late
#   silent                 never answered; over TCP the connection is closed
#   anything else          NXDOMAIN
# It prints "ready", then per query "udp QNAME LENGTH" or "tcp QNAME", and
# per answer "answered QNAME from port N" or "answered over TCP QNAME".
import socket, struct, sys, threading

A = socket.inet_aton("198.51.100.7")


def reply(q):
    end = 12
    while q[end]:
        end += q[end] + 1
    qname = q[12:end + 1]
    ok = any(n in qname for n in (b"outside", b"big", b"twice", b"tconly", b"slow"))
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180 if ok else 0x8183, 1,
                              1 if ok else 0, 0, 0)
    body = q[12:end + 5]
    if b"big" in qname:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 1004) + \
            (b"\xfa" + b"t" * 250) * 4
    elif b"tconly" in qname:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 3012) + \
            (b"\xfa" + b"t" * 250) * 12
    elif ok:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + A
    return qname, hdr, body


def tcp():
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((sys.argv[1], 53))
    l.listen(16)
    while True:
        c, a = l.accept()
        m = b""
        while len(m) < 2 or len(m) < 2 + struct.unpack(">H", m[:2])[0]:
            d = c.recv(4096)
            if not d:
                break
            m += d
        if len(m) > 2:
            qname, hdr, body = reply(m[2:])
            print("tcp", qname, flush=True)
            if b"silent" not in qname:
                c.sendall(struct.pack(">H", len(hdr + body)) + hdr + body)
                print("answered over TCP", qname, flush=True)
        c.close()


threading.Thread(target=tcp, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    q, a = s.recvfrom(65535)
    qname, hdr, body = reply(q)
    print("udp", qname, len(q), flush=True)
    if b"silent" in qname:
        continue
    if b"tconly" in qname:
        hdr = hdr[:2] + struct.pack(">HHHHH", 0x8380, 1, 0, 0, 0)
        body = body[:len(qname) + 4]
    if b"slow" in qname:
        threading.Timer(2, s.sendto, (hdr + body, a)).start()
        continue
    if b"twice" in qname:
        s.sendto(bytes([q[0] ^ 1]) + hdr[1:] + body, a)
        s.sendto(hdr + body, a)
    s.sendto(hdr + body, a)
    print("answered", qname, "from port", a[1], flush=True)
