"""Character-bigram similarity of short strings (names, metrics, quotes)."""

from __future__ import annotations


def char_bigrams(text: str) -> set[str]:
    """Adjacent character pairs; a one-character string is its own only "bigram"."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def bigram_jaccard(a: str, b: str) -> float:
    """Character-bigram Jaccard of two strings (0.0 when either is empty)."""
    x, y = char_bigrams(a), char_bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)
