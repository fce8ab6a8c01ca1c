#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vu_silent.py PATH - a stuck vhost-user backend for vnet-vmm's tests:
listens on PATH (replacing a stale socket file), accepts every connection
and never reads or answers, until killed."""
import os
import socket
import sys

try:
    os.unlink(sys.argv[1])
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
