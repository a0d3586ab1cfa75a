"""encode.py -- a trace to the fuzz harness's binary encoding (decode.h).

Every number is written with class 3 (a raw little-endian u32), so a valid
trace decodes back to itself, up to the names (P0..P7, S0..S7, M0..M15,
given in order of binding) and to bindings that fail at run time.
"""
import struct

OPS = ["new", "select", "drop", "switch_to", "shm", "shm_of", "shm_drop",
       "create_regular_mapping", "map_alloc", "map_mmio", "map_partial_shared_mapping",
       "guard", "unmap", "query_memory", "expand_mapping", "find_available_space",
       "resize_heap", "mirror_mapping", "mirror_drop", "check_range", "frames", "walk",
       "free_frames", "read", "write", "mirror_read", "mirror_write"]
OPCODE = {name: i for i, name in enumerate(OPS)}
TYPES = ("Unmapped Io Normal CodeStatic CodeMutable Heap SharedMemory Alias ModuleCodeStatic "
         "ModuleCodeMutable Ipc Stack ThreadLocal TransferMemoryIsolated TransferMemory "
         "ProcessMemory Reserved NonSecureIpc NonDeviceIpc KernelStack CodeReadOnly "
         "CodeWritable").split()
RIGHTS = {"none": 0, "k_r": 1, "k_w": 2, "k_rw": 3, "k_rx": 5, "u_r": 9, "u_w": 10, "u_rw": 11, "u_rx": 13}
RAW = 3


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


def encode(text):
    """The bytes of a trace's text."""
    phys, ops = [], bytearray()
    procs, shms, mirrors = Names(8), Names(8), Names(16)
    for raw_line in text.split("\n"):
        toks = raw_line.split("#", 1)[0].split()
        if not toks:
            continue
        op, a = toks[0], toks[1:]
        try:
            if op == "phys":
                phys.append(bytes([0 if a[0] == "free" else 1, 0xFF]) + struct.pack("<II", num(a[1]), num(a[2])))
                continue
            if op == "map_phys_region_to":
                op, a = ("map_alloc" if a[0] == "alloc" else "map_mmio"), a[1:]
            if op not in OPCODE:
                continue
            b = bytearray([OPCODE[op]])
            if op == "new":
                b.append(procs.bind(a[0]))
            elif op == "select":
                b.append(procs.use(a[0]))
            elif op == "drop":
                b.append(procs.drop(a[0]))
            elif op == "shm":
                b += bytes([shms.bind(a[0])]) + raw(num(a[1]))
            elif op == "shm_of":
                b += bytes([shms.bind(a[0])]) + raw(num(a[1]))
            elif op == "shm_drop":
                b.append(shms.drop(a[0]))
            elif op in ("create_regular_mapping", "map_alloc"):
                b += raw(num(a[0])) + raw(num(a[1])) + bytes([TYPES.index(a[2]), rights(a[3])])
            elif op == "map_mmio":
                b += raw(num(a[0])) + raw(num(a[1])) + raw(num(a[2])) + bytes([TYPES.index(a[3]), rights(a[4])])
            elif op == "map_partial_shared_mapping":
                b += bytes([shms.use(a[0])]) + raw(num(a[1])) + raw(num(a[2])) + raw(num(a[3])) + \
                    bytes([TYPES.index(a[4]), rights(a[5])])
            elif op == "guard":
                b += raw(num(a[0])) + raw(num(a[1])) + bytes([TYPES.index(a[2])])
            elif op == "unmap":
                b += bytes([0]) + raw(num(a[0])) + raw(num(a[1]))
            elif op in ("query_memory", "frames", "find_available_space", "resize_heap", "read"):
                b += raw(num(a[0]))
            elif op in ("expand_mapping", "walk"):
                b += raw(num(a[0])) + raw(num(a[1]))
            elif op == "write":
                b += raw(num(a[0])) + struct.pack("<I", num(a[1]))
            elif op == "mirror_mapping":
                named = (mirrors.bind(a[2]) << 1) | 1 if len(a) == 3 else 0
                b += bytes([named]) + raw(num(a[0])) + raw(num(a[1]))
            elif op == "mirror_drop":
                b.append(mirrors.drop(a[0]))
            elif op == "check_range":
                for t in a:
                    b += raw(num(t))
            elif op == "mirror_read":
                b += bytes([mirrors.use(a[0])]) + raw(num(a[1]))
            elif op == "mirror_write":
                b += bytes([mirrors.use(a[0])]) + raw(num(a[1])) + struct.pack("<I", num(a[2]))
        except (IndexError, ValueError, KeyError):
            continue  # not a valid line: left out
        ops += b
    head = bytes([0x80 | len(phys[:15])]) + b"".join(phys[:15]) if phys else b"\x00"
    return head + bytes(ops)
