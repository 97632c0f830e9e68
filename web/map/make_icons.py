#!/usr/bin/env python3
"""Draws icon-192.png and icon-512.png of the map app (the same picture as icon.svg: a pin on
the wijken's dark blue), with the standard library only. Run it from web/map/ after changing
the picture; the PNGs are committed (small), so the build does not need it."""
import math
import struct
import zlib

BLUE, ORANGE, WHITE = (0x1F, 0x3A, 0x5F), (0xE6, 0x9F, 0x00), (0xFF, 0xFF, 0xFF)


def colour_at(x, y):
    """The colour at (x, y) in the 512-unit picture, or None outside it."""
    r = 96  # rounded corners
    cx, cy = min(max(x, r), 512 - r), min(max(y, r), 512 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return None
    if (x - 256) ** 2 + (y - 208) ** 2 <= 44 * 44:
        return WHITE
    # the pin: a circle of radius 112 at (256, 208) and the point at (256, 416) below it
    if (x - 256) ** 2 + (y - 208) ** 2 <= 112 * 112:
        return ORANGE
    if 208 <= y <= 416:
        half = 112 * (416 - y) / (416 - 208) * 0.93
        if abs(x - 256) <= half:
            return ORANGE
    return BLUE


def png(size):
    rows = []
    step = 512 / size
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc, n = [0, 0, 0, 0], 0
            for sy in (0.25, 0.75):
                for sx in (0.25, 0.75):
                    c = colour_at((i + sx) * step, (j + sy) * step)
                    n += 1
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            covered = acc[3] // 255
            if covered:
                row += bytes([acc[0] // covered, acc[1] // covered, acc[2] // covered, acc[3] // n])
            else:
                row += bytes([0, 0, 0, 0])
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


for size in (192, 512):
    with open(f"icon-{size}.png", "wb") as f:
        f.write(png(size))
