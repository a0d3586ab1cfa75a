"""encode.py -- a trace to the fuzz harness's binary encoding (decode.h).

The opcodes and the arguments of each op come from the op table
(harness/ops.def); the encoding of an argument follows from its kind:

  proc, shm, mirror (and their + and - forms)   one byte, the name's index
  type                                          one byte, the variant's index
  rights                                        one byte, the value
  value                                         a little-endian u32
  any other number                              class 3, then a little-endian u32
  an optional trailing NAME                     a flag byte before the op's
                                                other arguments: (index << 1) | 1,
                                                or 0 when absent

plus the decoder's strategy bytes that are not arguments (STRATEGY). Every
number is written with class 3 (a raw little-endian u32), so a valid trace
decodes back to itself, up to the names (P0..P7, S0..S7, M0..M15, given in
order of binding) and to bindings that fail at run time.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import optable  # noqa: E402

OPS = optable.load()
OPCODE = optable.opcodes(OPS)
TYPES = optable.TYPES
RIGHTS = optable.RIGHTS
RAW = 3
# Bytes the decoder reads before an op's arguments to choose its strategy:
# unmap's 0 is "the explicit ADDR and LEN that follow" (not a recent region).
STRATEGY = {"unmap": b"\x00"}
SIZES = {"proc": 8, "shm": 8, "mirror": 16}


def num(tok):
    return int(tok[2:], 16) if tok.startswith("0x") else int(tok, 10)


def raw(v):
    return bytes([RAW]) + struct.pack("<I", v & 0xFFFFFFFF)


def rights(tok):
    return RIGHTS[tok] if tok in RIGHTS else num(tok)


class Names:
    """Names to indices, as the decoder hands them out."""

    def __init__(self, size):
        self.size = size
        self.live = {}

    def bind(self, name):
        used = set(self.live.values())
        for i in range(self.size):
            if i not in used:
                self.live[name] = i
                return i
        return 0

    def use(self, name):
        return self.live.get(name, 0)

    def drop(self, name):
        return self.live.pop(name, 0)


def name_index(names, arg, tok):
    """The index of a NAME argument, binding or releasing it per its kind."""
    ns = names[arg.space]
    if arg.kind.endswith("+"):
        return ns.bind(tok)
    if arg.kind.endswith("-"):
        return ns.drop(tok)
    return ns.use(tok)


def encode_args(op, toks, names):
    """The bytes of one op's arguments."""
    head, body = bytearray(STRATEGY.get(op.id, b"")), bytearray()
    for i, arg in enumerate(op.args):
        if arg.optional:  # a flag byte ahead of everything else
            flag = (name_index(names, arg, toks[i]) << 1) | 1 if i < len(toks) else 0
            head = bytearray([flag]) + head
        elif arg.is_name:
            body.append(name_index(names, arg, toks[i]))
        elif arg.kind == "type":
            body.append(TYPES.index(toks[i]))
        elif arg.kind == "rights":
            body.append(rights(toks[i]))
        elif arg.kind == "value":
            body += struct.pack("<I", num(toks[i]))
        else:
            body += raw(num(toks[i]))
    return bytes(head + body)


def find(toks):
    """The row of a line's tokens and the arguments after its form, or None."""
    for op in OPS:
        if op.name != toks[0]:
            continue
        if not op.form:
            return op, toks[1:]
        if len(toks) > 1 and toks[1] == op.form:
            return op, toks[2:]
    return None


def encode(text):
    """The bytes of a trace's text."""
    phys, ops = [], bytearray()
    names = {ns: Names(n) for ns, n in SIZES.items()}
    for raw_line in text.split("\n"):
        toks = raw_line.split("#", 1)[0].split()
        if not toks:
            continue
        found = find(toks)
        if found is None:
            continue
        op, a = found
        try:
            if op.proc == "pre":
                phys.append(bytes([0 if op.form == "free" else 1, 0xFF]) + struct.pack("<II", num(a[0]), num(a[1])))
                continue
            if not op.required <= len(a) <= len(op.args):
                continue
            b = bytes([OPCODE[op.id]]) + encode_args(op, a, names)
        except (IndexError, ValueError, KeyError):
            continue  # not a valid line: left out
        ops += b
    head = bytes([0x80 | len(phys[:15])]) + b"".join(phys[:15]) if phys else b"\x00"
    return head + bytes(ops)
