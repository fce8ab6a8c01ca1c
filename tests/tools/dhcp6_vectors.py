#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# dhcp6_vectors.py - write tests/unit/dhcp6_vectors.h from the dump
# directory of tests/tools/dhcp6_clients.sh (OUTDIR/peer): each client
# message and the engine's reply, in order.
#
#   python3 tests/tools/dhcp6_vectors.py OUTDIR/peer >tests/unit/dhcp6_vectors.h
import glob
import os
import sys

# The clients in the order dhcp6_clients.sh runs them.
WHO = {"SOLICIT": "dhclient -6", "REQUEST": "dhclient -6",
       "RENEW": "dhclient -6", "RELEASE": "dhclient -6",
       "INFO-REQ": "dhclient -6 -S"}

HEAD = """/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp6_vectors.h - DHCPv6 messages of real clients and the engine's
 * replies to them, in order: ISC dhclient 4.4.3-P1 (-6: SOLICIT, REQUEST,
 * RENEW, RELEASE; -6 -S: INFORMATION-REQUEST) and dhcpcd 9.4.1 (SOLICIT,
 * REQUEST, then CONFIRM on restart), served by tests/tools/dhcp6_peer.c
 * (prefix fd00:abc:0:1::/64, preferred 20 s, valid 40 s, search lab.vnet,
 * preference 255) in namespaces made by tests/tools/dhcp6_clients.sh.
 * Written by tests/tools/dhcp6_vectors.py. */
#ifndef VNET_DHCP6_VECTORS_H
#define VNET_DHCP6_VECTORS_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct vector - one client message and the reply it got
 * @name: client and message
 * @rx: the client's UDP payload
 * @rx_len: its length
 * @tx: the reply sent
 * @tx_len: its length
 */
struct vector {
\tconst char *name;
\tconst uint8_t *rx;
\tsize_t rx_len;
\tconst uint8_t *tx;
\tsize_t tx_len;
};
"""


def arr(name, b):
    s = "static const uint8_t %s[] = {\n" % name
    for i in range(0, len(b), 12):
        s += "    " + ", ".join("0x%02x" % x for x in b[i:i + 12]) + ",\n"
    return s + "};\n"


def main(d):
    out = [HEAD]
    rows = []
    dhcpcd = False
    for rx in sorted(glob.glob(d + "/*-rx.bin")):
        base = os.path.basename(rx)
        n, typ = int(base[:3]), base[4:-7]
        # dhcpcd runs after dhclient's INFORMATION-REQUEST
        who = "dhcpcd" if dhcpcd else WHO.get(typ, "?")
        dhcpcd = dhcpcd or typ == "INFO-REQ"
        tx = glob.glob(d + "/%03d-*-tx.bin" % n)
        if not tx:
            continue
        out.append(arr("rx%d" % n, open(rx, "rb").read()))
        out.append(arr("tx%d" % n, open(tx[0], "rb").read()))
        rows.append('    {"%s %s", rx%d, sizeof(rx%d), tx%d, sizeof(tx%d)},\n'
                    % (who, typ, n, n, n, n))
    out.append("static const struct vector vectors[] = {\n" + "".join(rows) +
               "};\n\n#endif\n")
    sys.stdout.write("\n".join(out))


main(sys.argv[1])
