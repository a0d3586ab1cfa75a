#!/usr/bin/env python3
"""Writes large and hostile traces that are not worth storing in the repository:

    python3 harness/make_hostile.py DIR

For each `NAME.trace` it writes the expected outcome next to it, as in corpus/malformed/:
`NAME.err` holds the line number of the first malformed line (the runner prints
`FILE:LINE: reason` on stderr and exits 2), `NAME.ok` means the runner exits 0 (it may
print result lines, or stop early after a `panic` line). A runner must neither crash nor
hang on any of them. The output is always the same bytes. Standard library only.
"""
import os
import sys

MIB = 1 << 20


def million_lines():
    """1,000,000 lines of cheap operations that change nothing, with blank, comment and
    tab-separated lines among them."""
    cycle = [b"free_frames", b"query_memory 0x00400000", b"read 0x00400000", b"",
             b"# a comment line", b"free_frames\t# tab and comment", b"walk 0x00400000 0x00001000",
             b"frames 0x00400000", b"\tfree_frames", b"mirror_mapping 0x00400000 0x00000004"]
    lines = [b"new A"]
    i = 0
    while len(lines) < 1000000:
        lines.append(cycle[i % len(cycle)])
        i += 1
    return b"\n".join(lines) + b"\n"


def malformed_last_of_million():
    lines = [b"free_frames"] * 999999 + [b"free_frames 1"]
    return b"\n".join(lines) + b"\n"


CASES = [
    # (name, bytes or a function making them, expected: ("ok",) or ("err", line), what it tests)
    ("hostile_million_lines", million_lines, ("ok",),
     "1,000,000 valid lines: cheap operations, blank lines, comments, tabs"),
    ("hostile_million_lines_malformed_last", malformed_last_of_million, ("err", 1000000),
     "999,999 valid lines, then a malformed one: line counting at scale"),
    ("hostile_1mib_comment_line", lambda: b"# " + b"x" * (MIB - 3) + b"\n", ("ok",),
     "a single line of 1 MiB, all comment"),
    ("hostile_1mib_spaces_then_op", lambda: b" " * MIB + b"free_frames\n", ("ok",),
     "1 MiB of spaces before an operation on one line"),
    ("hostile_1mib_line_no_newline", lambda: b"free_frames" + b" " * MIB, ("ok",),
     "a single 1 MiB line without a final newline (trailing spaces)"),
    ("hostile_1mib_name", lambda: b"new " + b"A" * MIB + b"\n", ("err", 1),
     "a NAME of 1 MiB on the first line"),
    ("hostile_1mib_token_after_valid", lambda: b"new A\nfree_frames\nquery_memory " + b"9" * MIB + b"\n",
     ("err", 3), "a decimal number of 1 MiB of digits on line 3"),
    ("hostile_1mib_leading_zeros", lambda: b"new A\nquery_memory 0x" + b"0" * MIB + b"400000\n",
     ("ok",), "a hex number of 1 MiB of leading zeros whose value (0x00400000) fits in 32 bits"),
    ("hostile_1mib_decimal_leading_zeros", lambda: b"new A\nquery_memory " + b"0" * MIB + b"4194304\n",
     ("ok",), "a decimal number of 1 MiB of leading zeros whose value (4194304) fits in 32 bits"),
    ("hostile_empty", lambda: b"", ("ok",), "an empty file: no output"),
    ("hostile_only_blank_lines", lambda: b"\n" * 100000, ("ok",), "100,000 empty lines: no output"),
    ("hostile_no_final_newline", lambda: b"new A\nfree_frames", ("ok",),
     "a last line without a newline is still a line"),
    ("hostile_nul_first_byte", lambda: b"\x00new A\nfree_frames\n", ("err", 1),
     "a NUL byte at the very start"),
    ("hostile_nul_block", lambda: b"new A\nfree_frames\n" + b"\x00" * 65536 + b"\n", ("err", 3),
     "64 KiB of NUL bytes on line 3"),
    ("hostile_all_nul", lambda: b"\x00" * MIB, ("err", 1),
     "1 MiB of NUL bytes and no newline"),
    ("hostile_nul_in_token", lambda: b"new A\nfree_frames\nquery_memory 0x0040\x000000\n", ("err", 3),
     "a NUL byte inside a number (a C string would end there)"),
    ("hostile_nul_after_newline_at_eof", lambda: b"new A\nfree_frames\n\x00", ("err", 3),
     "a NUL byte after the last newline"),
    ("hostile_binary", lambda: bytes([0xff, 0xfe]) + bytes(range(256)) * 4096, ("err", 1),
     "1 MiB of binary data starting with a UTF-16 byte order mark"),
    ("hostile_new_until_panic", lambda: b"".join(b"new P%d\n" % i for i in range(1100)), ("ok",),
     "1,100 processes while 1,024 frames are free: the 1,025th `new` panics (exit 0)"),
]


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: make_hostile.py DIR\n")
        return 2
    out = argv[0]
    os.makedirs(out, exist_ok=True)
    for name, make, expected, _what in CASES:
        data = make() if callable(make) else make
        with open(os.path.join(out, name + ".trace"), "wb") as f:
            f.write(data)
        for stale in (".ok", ".err"):
            path = os.path.join(out, name + stale)
            if os.path.exists(path):
                os.remove(path)
        if expected[0] == "ok":
            with open(os.path.join(out, name + ".ok"), "w") as f:
                f.write("0\n")
        else:
            with open(os.path.join(out, name + ".err"), "w") as f:
                f.write("%d\n" % expected[1])
    print("%d hostile traces written to %s" % (len(CASES), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
