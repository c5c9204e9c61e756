#!/usr/bin/env python3
"""Independent implementation of the ring's placement rule, used once to produce the expected values hard-coded in
GoldenSpecs.cs. Needs the `xxhash` module (Debian: python3-xxhash). Run: python3 golden_owners.py"""
import struct
import xxhash

POINTS_PER_UNIT_WEIGHT = 3072
BACKENDS = [("10.0.0.1:6379", 1.0), ("10.0.0.2:6379", 1.0), ("10.0.0.3:6379", 0.5), ("cache-b", 2.0), ("zeta", 0.25)]
KEYS = ["user:1", "user:2", "user:42", "session:abc", "", "a", "ключ", "order/2024/07/15/9911", "x" * 100, "€uro"]


def points_for(weight):
    # round half away from zero
    return int(weight * POINTS_PER_UNIT_WEIGHT + 0.5)


def points(backend_id, count):
    seed = xxhash.xxh3_64_intdigest(backend_id.encode("utf-8"))
    return [xxhash.xxh3_64_intdigest(struct.pack("<q", i), seed=seed) >> 32 for i in range(count)]


def key_position(key):
    return xxhash.xxh3_64_intdigest(key.encode("utf-8")) >> 32


def ranking(key, rings):
    k = key_position(key)
    ranked = []
    for backend_id, pts in rings.items():
        best = None
        for p in pts:
            cw = (p - k) % 2**32
            ccw = (k - p) % 2**32
            cand = (cw, 0) if cw <= ccw else (ccw, 1)
            if best is None or cand < best:
                best = cand
        ranked.append((best[0], best[1], backend_id.encode("utf-8")))
    # Ordinal string order of the ids in these tests equals UTF-8 byte order (all ASCII).
    return [r[2].decode("utf-8") for r in sorted(ranked)]


def main():
    rings = {b: points(b, points_for(w)) for b, w in BACKENDS}
    print("// KeyHash")
    for key in KEYS[:4]:
        print(f'{{ "{key}", 0x{xxhash.xxh3_64_intdigest(key.encode("utf-8")):016x}UL }},')
    print("// first points of 10.0.0.1:6379")
    print(", ".join(f"0x{p:08x}u" for p in rings["10.0.0.1:6379"][:4]))
    print("// key -> preference list (3)")
    for key in KEYS:
        escaped = key.replace("\\", "\\\\").replace('"', '\\"')
        print(f'{{ "{escaped}", [{", ".join(chr(34) + r + chr(34) for r in ranking(key, rings)[:3])}] }},')


if __name__ == "__main__":
    main()
