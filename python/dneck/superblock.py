"""Clearing the "open for write" flags that a killed SWMR writer leaves in the superblock.

A file written with ``libver="latest"`` has a version 2 or 3 superblock whose file
consistency flags say it is open for (SWMR) writing. A writer that closes the file clears
them; a killed one cannot, and libhdf5 then refuses a normal (non-SWMR) open with "file is
already open for write (may use <h5clear file> to clear file consistency flags)". An
SWMR-read open still works. :func:`clear_status_flags` does what ``h5clear -s`` does,
without needing the HDF5 tools: zero the flags byte, grow the file to the end-of-file
address the superblock records if it is shorter, and rewrite the superblock checksum.
"""
from __future__ import annotations

import os
import struct

SIGNATURE = b"\x89HDF\r\n\x1a\n"
MASK = 0xFFFFFFFF


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    for shift_a, shift_b, shift_c in ((4, 6, 8), (16, 19, 4)):
        a = ((a - c) & MASK) ^ _rot(c, shift_a)
        c = (c + b) & MASK
        b = ((b - a) & MASK) ^ _rot(a, shift_b)
        a = (a + c) & MASK
        c = ((c - b) & MASK) ^ _rot(b, shift_c)
        b = (b + a) & MASK
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    c = ((c ^ b) - _rot(b, 14)) & MASK
    a = ((a ^ c) - _rot(c, 11)) & MASK
    b = ((b ^ a) - _rot(a, 25)) & MASK
    c = ((c ^ b) - _rot(b, 16)) & MASK
    a = ((a ^ c) - _rot(c, 4)) & MASK
    b = ((b ^ a) - _rot(a, 14)) & MASK
    return ((c ^ b) - _rot(b, 24)) & MASK


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``, the checksum of HDF5's metadata."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & MASK
    i = 0
    while length - i > 12:
        wa, wb, wc = struct.unpack_from("<3I", data, i)
        a, b, c = (a + wa) & MASK, (b + wb) & MASK, (c + wc) & MASK
        a, b, c = _mix(a, b, c)
        i += 12
    rest = data[i:]
    if not rest:
        return c
    wa, wb, wc = struct.unpack("<3I", rest + bytes(12 - len(rest)))
    return _final((a + wa) & MASK, (b + wb) & MASK, (c + wc) & MASK)


def _find_superblock(f) -> int:
    """Offset of the superblock signature: 0, 512, 1024, 2048, ... (after a user block)."""
    size = os.fstat(f.fileno()).st_size
    offset = 0
    while offset + len(SIGNATURE) <= size:
        f.seek(offset)
        if f.read(len(SIGNATURE)) == SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    raise ValueError("no HDF5 superblock found")


def clear_status_flags(path: str) -> bool:
    """Clears the write/SWMR-write flags of an HDF5 file's superblock.

    Returns True if the file needed it, False if it was already closed cleanly (or has a
    version 0/1 superblock, which has no such flags). Never run it on a file that a
    writer still has open.
    """
    with open(path, "r+b") as f:
        base = _find_superblock(f)
        f.seek(base + 8)
        version, size_offsets, _, flags = f.read(4)
        if version < 2:
            return False
        body_len = 12 + 4 * size_offsets
        f.seek(base)
        body = bytearray(f.read(body_len))
        (stored,) = struct.unpack("<I", f.read(4))
        if lookup3(bytes(body)) != stored:
            raise ValueError("superblock checksum mismatch: not a file this function can repair")
        if flags == 0:
            return False
        body[11] = 0
        eoa = int.from_bytes(body[12 + 2 * size_offsets:12 + 3 * size_offsets], "little")
        base_address = int.from_bytes(body[12:12 + size_offsets], "little")
        if os.fstat(f.fileno()).st_size < base_address + eoa:
            f.truncate(base_address + eoa)
        f.seek(base)
        f.write(bytes(body) + struct.pack("<I", lookup3(bytes(body))))
    return True
