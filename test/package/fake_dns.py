#!/usr/bin/env python3
"""A DNS server for one test: answers A queries for the names it is given, nothing else.

    fake_dns.py ADDRESS LOG NAME=IPV4...

Listens on UDP ADDRESS:53 (a loopback address: binding port 53 needs root). For a listed NAME and
type A it answers IPV4; for a listed NAME and any other type, no records (NOERROR); for any other
name, NXDOMAIN. Appends "NAME TYPE" to LOG for every query, so a test can tell which names went
through DNS. Writes LOG.ready once it listens. Stops when killed.
"""
import socket
import struct
import sys

TYPE_A, CLASS_IN = 1, 1
NOERROR, FORMERR, NXDOMAIN = 0, 1, 3


def parse_question(packet):
    """The question's name (lower case), type and the offset past it; ValueError if malformed."""
    labels, at = [], 12
    while True:
        if at >= len(packet):
            raise ValueError("name runs past the packet")
        n = packet[at]
        at += 1
        if n == 0:
            break
        if n & 0xC0 or at + n > len(packet):
            raise ValueError("compressed or truncated label in a question")
        labels.append(packet[at:at + n].decode("ascii", "replace").lower())
        at += n
    if at + 4 > len(packet):
        raise ValueError("question without type and class")
    qtype, _ = struct.unpack("!HH", packet[at:at + 4])
    return ".".join(labels), qtype, at + 4


def answer(packet, names, log):
    if len(packet) < 12:
        return None
    ident, flags, qdcount = struct.unpack("!HHH", packet[:6])
    rd = flags & 0x0100
    try:
        if qdcount != 1:
            raise ValueError("want one question")
        name, qtype, end = parse_question(packet)
    except ValueError:
        return struct.pack("!HHHHHH", ident, 0x8000 | rd | 0x0080 | FORMERR, 0, 0, 0, 0)
    with open(log, "a") as f:
        f.write("%s %d\n" % (name, qtype))
    question = packet[12:end]
    records = b""
    rcode = NXDOMAIN if name not in names else NOERROR
    if rcode == NOERROR and qtype == TYPE_A:
        # The name as a pointer to the question's (offset 12), IN A, TTL 60 s, 4 bytes.
        records = struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 60, 4) + socket.inet_aton(names[name])
    header = struct.pack("!HHHHHH", ident, 0x8000 | rd | 0x0080 | rcode, 1, 1 if records else 0, 0, 0)
    return header + question + records


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: fake_dns.py ADDRESS LOG NAME=IPV4...")
    address, log = sys.argv[1], sys.argv[2]
    names = {}
    for arg in sys.argv[3:]:
        name, sep, ipv4 = arg.partition("=")
        if not sep:
            sys.exit("fake_dns.py: want NAME=IPV4, got %r" % arg)
        socket.inet_aton(ipv4)  # raises on an address that is not IPv4
        names[name.lower().rstrip(".")] = ipv4
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    open(log + ".ready", "w").close()
    while True:
        packet, peer = sock.recvfrom(4096)
        reply = answer(packet, names, log)
        if reply:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
