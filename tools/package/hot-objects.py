#!/usr/bin/env python3
"""hot-objects.py MAP CALLGRIND [MAP CALLGRIND ...]

Prints "ARCHIVE MEMBER" for every archive member whose code ran, one per line, in the order the
linker laid them out (the first MAP's order, then any others'): the list build-bootstrap.sh links
first, so that the code a cold start runs sits together (tools/package/hot-objects.sh makes the
inputs). MAP is a GNU ld -Map file of the static bootstrap; CALLGRIND a callgrind output of one cold
run of it, written with --dump-instr=yes --compress-pos=no. Objects that are not archive members
(crt files, the shim's main) are left out: their place is fixed.
"""
import bisect
import re
import sys

SECTION_ONLY = re.compile(r"^ (\.\S+)\s*$")
SECTION_LINE = re.compile(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
# archive(member), or a member build-bootstrap.sh extracted to build-static/hot-ARCH/ARCHIVE/MEMBER
MEMBER = re.compile(r"^(?:.*/)?([^/()]+\.a)\(([^()]+)\)$|^(?:.*/)?hot-[^/]+/([^/]+\.a)/([^/]+)$")


def text_sections(path):
    """(start, end, 'archive member') of every non-empty .text input section from an archive."""
    out, pending, in_map = [], None, False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = SECTION_ONLY.match(line)
            if m:
                pending = m.group(1)
                continue
            m = SECTION_LINE.match(line)
            name = (m.group(1) or pending) if m else None
            pending = None
            if not m or not name or not name.startswith(".text"):
                continue
            start, size = int(m.group(2), 16), int(m.group(3), 16)
            member = MEMBER.match(m.group(4).strip())
            if size and member:
                archive, name = (member.group(1), member.group(2)) if member.group(1) else member.group(3, 4)
                out.append((start, start + size, f"{archive} {name}"))
    return sorted(out)


# glibc's string functions: F.o picks one of F-ISA.o at start-up by the CPU (IFUNC). Valgrind's
# CPU has no AVX-512, so callgrind sees the avx2 variants where most machines run evex or avx512 ones.
VARIANT = re.compile(r"^libc\.a ([a-z0-9_]+)-([a-z0-9_-]+)\.o$")
FAMILIES = ("evex", "avx512", "avx2", "avx", "sse4", "ssse3", "sse2")


def family_rank(isa):
    return next((i for i, f in enumerate(FAMILIES) if isa.startswith(f)), len(FAMILIES))


def ifunc_siblings(hot, linked):
    """Every linked variant of a function whose resolver and one variant ran, those a machine with
    AVX-512 picks first (linked after the rest, so one family's variants share pages)."""
    functions = {m.group(1) for m in map(VARIANT.match, hot) if m and f"libc.a {m.group(1)}.o" in hot}
    siblings = [name for name in linked if name not in hot and (m := VARIANT.match(name)) and m.group(1) in functions]
    return sorted(siblings, key=lambda name: (family_rank(VARIANT.match(name).group(2)), name))


def executed_addresses(path):
    with open(path) as f:
        return {int(line.split()[0], 16) for line in f if line.startswith("0x")}


def main(args):
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    order, hot = [], set()
    for map_path, cg_path in zip(args[::2], args[1::2]):
        sections = text_sections(map_path)
        if not sections:
            sys.exit(f"hot-objects.py: no .text input sections in {map_path}")
        starts = [s[0] for s in sections]
        for s in sections:
            if s[2] not in order:
                order.append(s[2])
        for a in executed_addresses(cg_path):
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and a < sections[i][1]:
                hot.add(sections[i][2])
    if not hot:
        sys.exit("hot-objects.py: no executed address falls in an archive member's code")
    for name in order:
        if name in hot:
            print(name)
    for name in ifunc_siblings(hot, order):
        print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
