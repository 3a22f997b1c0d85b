"""The published XP curve: reaching level n takes 50·n·(n−1) XP in total.

Level 1 at 0 XP, level 2 at 100, level 3 at 300, level 4 at 600, level 5 at 1,000: each level
needs 100 XP more than the one before, so early levels come quickly and later ones mean more.
"""

from math import isqrt

XP_STEP = 50


def xp_for_level(level: int) -> int:
    """The total XP at which `level` is reached."""
    if level < 1:
        raise ValueError("levels start at 1")
    return XP_STEP * level * (level - 1)


def level_for(xp: int) -> int:
    """The highest level whose XP threshold `xp` has reached."""
    if xp < 0:
        raise ValueError("XP is never negative")
    # 50·n·(n−1) <= xp  <=>  n·(n−1) <= q  <=>  (2n−1)² <= 4q+1, with q = xp // 50.
    return (isqrt(4 * (xp // XP_STEP) + 1) + 1) // 2


def xp_to_next_level(xp: int) -> int:
    """XP still needed to reach the next level (always at least 1)."""
    return xp_for_level(level_for(xp) + 1) - xp
