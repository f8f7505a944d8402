"""Counter-based random numbers as Polars expressions.

Every random value is a pure function of (seed, stream name, entity key): SplitMix64 of the
key XOR a per-stream salt. The same contract or person therefore gets the same value whatever
the row order, the frame it sits in or the scale, which matters because Polars 2 joins do not
keep row order. No numpy needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl

_U64 = pl.UInt64
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_GOLDEN = 0x9E3779B97F4A7C15


def _u64(value: int) -> pl.Expr:
    return pl.lit(value, dtype=_U64)


def _shr(x: pl.Expr, bits: int) -> pl.Expr:
    """Logical right shift of a UInt64 expression (Polars has no `>>` on expressions)."""
    return x // _u64(2**bits)


def splitmix64(x: pl.Expr) -> pl.Expr:
    """The SplitMix64 finaliser (wrapping UInt64 arithmetic), a well-mixed bijection."""
    x = x + _u64(_GOLDEN)
    x = (x ^ _shr(x, 30)) * _u64(_M1)
    x = (x ^ _shr(x, 27)) * _u64(_M2)
    return x ^ _shr(x, 31)


class Rng:
    """Named random streams keyed by an entity id expression."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _salt(self, name: str) -> int:
        digest = hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little")

    def bits(self, key: pl.Expr, name: str) -> pl.Expr:
        """64 random bits for each key."""
        return splitmix64(key.cast(_U64) ^ _u64(self._salt(name)))

    def uniform(self, key: pl.Expr, name: str) -> pl.Expr:
        """Float64 in [0, 1)."""
        return _shr(self.bits(key, name), 11).cast(pl.Float64) * (2.0**-53)

    def integers(self, key: pl.Expr, name: str, low, high) -> pl.Expr:
        """Int64 uniform in [low, high] inclusive; bounds may be expressions."""
        low, high = _expr(low), _expr(high)
        span = (high - low + 1).cast(pl.Float64)
        return low + (self.uniform(key, name) * span).floor().cast(pl.Int64)

    def choice(self, key: pl.Expr, name: str, weights: Sequence[float]) -> pl.Expr:
        """Index (UInt32) drawn with the given relative weights."""
        return weighted_index(self.uniform(key, name), weights)

    def log_uniform(self, key: pl.Expr, name: str, low: float, high: float) -> pl.Expr:
        """Float64 log-uniformly spread over [low, high]."""
        import math

        lo, hi = math.log(low), math.log(high)
        return (self.uniform(key, name) * (hi - lo) + lo).exp()


def weighted_index(u: pl.Expr, weights: Sequence[float]) -> pl.Expr:
    """Map uniforms to indices 0..k-1 with the given relative weights."""
    total = float(sum(weights))
    cumulative, acc = [], 0.0
    for w in weights[:-1]:
        acc += w / total
        cumulative.append(acc)
    if not cumulative:
        return pl.lit(0, dtype=pl.UInt32) + u.cast(pl.UInt32) * 0
    return pl.lit(pl.Series(cumulative, dtype=pl.Float64)).search_sorted(u, side="right")


def pick(values: Sequence, index: pl.Expr, dtype=None) -> pl.Expr:
    """values[index] as an expression (a gather from a small literal table)."""
    return pl.lit(pl.Series(list(values), dtype=dtype)).gather(index)


def _expr(value) -> pl.Expr:
    return value if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.Int64)
