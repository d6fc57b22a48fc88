"""Byte-level mutation of a valid case, AFL-style: bit flips, random bytes,
deleted / duplicated / spliced slices, truncation, and a dictionary of tokens
that broke readers before (numbers beyond int64 and float, 4,300+-digit
integers, nesting a thousand deep, YAML aliases and odd keys, RLE-alphabet
edges)."""
from __future__ import annotations

import random

from tests.fuzz.seeds import Case

TOKENS = [
    b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity", b"1e-400", b"-0", b"0.9", b"-1", b"null", b"true",
    b"9223372036854775808", b"18446744073709551616", b"9" * 400, b"9" * 4400, b"[" * 1000, b"]" * 1000,
    b"{" * 50, b"[" * 300 + b"]" * 300, b'"\\ud800"', b'""', b"[]", b"{}", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
    b"\n", b"\r\n", b",", b":", b'"', b"*a", b"&a ", b"~", b".inf", b".nan", b"!!python/object:os.system",
    b"2001-13-45", b"0x1F", b"1_000", b"<<: *a", b"? [a]", b"- ", b"nan", b"inf", b"o" * 20, b"O", b"0P", b"P",
]


def mutate(case: Case, rng: random.Random) -> Case:
    """A copy of `case` with one of its files mutated 1 to 4 times."""
    out = dict(case)
    name = rng.choice(sorted(out))
    data = bytearray(out[name])
    for _ in range(rng.randint(1, 4)):
        data = _once(data, rng, case)
    out[name] = bytes(data)
    return out


def _once(data: bytearray, rng: random.Random, case: Case) -> bytearray:
    n = len(data)
    at = rng.randint(0, n)
    op = rng.randrange(9)
    if op == 0 and n:  # flip a bit
        i = rng.randrange(n)
        data[i] ^= 1 << rng.randrange(8)
    elif op == 1:  # random bytes
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    elif op == 2 and n:  # delete a slice
        del data[at:at + rng.randint(1, 16)]
    elif op == 3 and n:  # duplicate a slice
        start = rng.randrange(n)
        data[at:at] = data[start:start + rng.randint(1, 64)]
    elif op == 4:  # truncate
        del data[at:]
    elif op in (5, 6):  # a dictionary token, inserted or over a number
        token = rng.choice(TOKENS)
        digits = [i for i in range(n) if 48 <= data[i] <= 57]
        if op == 6 and digits:
            i = rng.choice(digits)
            j = i
            while j < n and (48 <= data[j] <= 57 or data[j] in b".-eE"):
                j += 1
            data[i:j] = token
        else:
            data[at:at] = token
    elif op == 7:  # splice in a slice of another file of the case
        other = case[rng.choice(sorted(case))]
        if other:
            start = rng.randrange(len(other))
            data[at:at] = other[start:start + rng.randint(1, 128)]
    else:  # a byte set to an interesting value
        if n:
            data[rng.randrange(n)] = rng.choice(b"\x00\x7f\x80\xff\"[]{},:0-9")
    return data
