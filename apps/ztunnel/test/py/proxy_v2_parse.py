#!/usr/bin/env python3
"""Independent PROXY protocol v2 reader (HAProxy proxy-protocol.txt section 2.2), written from the spec with struct.

Reads one header from stdin (anything after it is reported as its length) and prints JSON:
{"version", "command", "family", "transport", "source", "destination", "tlvs": [[type, hex]], "rest"}.
Exits 1 with a message on stderr for anything that is not a well-formed v2 header.
"""
import json
import socket
import struct
import sys

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def fail(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def main():
    data = sys.stdin.buffer.read()
    if len(data) < 16 or data[:12] != SIGNATURE:
        fail("no v2 signature")
    ver_cmd, fam, length = struct.unpack("!BBH", data[12:16])
    if ver_cmd >> 4 != 2:
        fail("version is not 2")
    body = data[16:16 + length]
    if len(body) != length:
        fail("truncated body")
    family, transport = fam >> 4, fam & 0x0F
    if family == 1:
        src, dst, sport, dport = struct.unpack("!4s4sHH", body[:12])
        pton, used = socket.AF_INET, 12
    elif family == 2:
        src, dst, sport, dport = struct.unpack("!16s16sHH", body[:36])
        pton, used = socket.AF_INET6, 36
    else:
        fail("unsupported family %d" % family)
    tlvs = []
    rest = body[used:]
    while rest:
        if len(rest) < 3:
            fail("truncated TLV header")
        t, n = struct.unpack("!BH", rest[:3])
        if len(rest) < 3 + n:
            fail("truncated TLV value")
        tlvs.append([t, rest[3:3 + n].hex()])
        rest = rest[3 + n:]
    print(json.dumps({
        "version": ver_cmd >> 4,
        "command": "PROXY" if ver_cmd & 0x0F == 1 else "LOCAL",
        "family": family,
        "transport": transport,
        "source": [socket.inet_ntop(pton, src), sport],
        "destination": [socket.inet_ntop(pton, dst), dport],
        "tlvs": tlvs,
        "rest": len(data) - 16 - length,
    }))


main()
