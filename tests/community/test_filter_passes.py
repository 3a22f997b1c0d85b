"""What makes the compliance filter cheap changes nothing it decides: `nfkc` is
`unicodedata`'s NFKC on any text, a pattern's search without its leading look-behinds matches
wherever the pattern does, and the detectors find cards and ID numbers in any run of digits."""

import random
import unicodedata

import pytest

from api.settings import MODERATION_RULES
from gamification.community.detectors import has_bank_card, has_id_number
from gamification.community.nfkc import nfkc
from gamification.community.normalise import normalise
from gamification.community.prefilter import (
    LiteralScan,
    required_literals,
    without_leading_lookbehinds,
)
from gamification.community.screening import moderation_rules

# Characters NFKC treats specially (combining marks, Hangul jamo that compose, compatibility
# forms, composition pairs), beside plain ones and characters past U+FFFF.
SPECIAL = (
    "\u0301\u0308\u0323\u1100\u1161\u11a8\uac00\u1112\u1175\u11c2\uff41\uff10\u3000\uff0c"
    "\u2460\ufb01\u1e9b\u09be\u09c7\u0b47\u0b3e\u1025\u102e\u3099\u304b\u30ab\ufe00\u2126"
    "\u212b\u00e9eA\u3131\U0001d41a\U0001f600\U0002f800荐股，。 "
)


def test_nfkc_is_unicodedatas_on_mixed_texts() -> None:
    picker = random.Random(13)
    alphabet = list(SPECIAL) + [chr(picker.randrange(0x20, 0xD7FF)) for _ in range(2_000)]
    for _ in range(20_000):
        text = "".join(picker.choice(alphabet) for _ in range(picker.randrange(1, 16)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), [hex(ord(c)) for c in text]


def test_nfkc_run_by_run_is_unicodedatas_without_joining_characters() -> None:
    """Compatibility forms beside the starters they follow: half-width ﾞ joins カ, so it takes
    the careful path; full-width letters and marks do not, and go run by run."""
    picker = random.Random(31)
    alphabet = list("荐股abc 123，。：ｆＷＸﾞｶカ가①ﬁ\u3000\u11a8")
    for _ in range(5_000):
        text = "".join(picker.choice(alphabet) for _ in range(picker.randrange(1, 12)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), [hex(ord(c)) for c in text]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"(?<=[a-z0-9])(\.|dot)(com|cn)(?![a-z])", {".com", ".cn", "dotcom", "dotcn"}),
        (r"跟(着)?老师(买|炒)", {"跟着老师买", "跟着老师炒", "跟老师买", "跟老师炒"}),
        (r"(?<!\d)1[3-9]\d{9}(?!\d)", None),  # one character: in nearly every text
        (r"(微信|vx)[:号]?[a-z]", {"微信", "微信:", "微信号", "vx", "vx:", "vx号"}),
    ],
)
def test_required_literals_join_adjacent_alternatives(
    pattern: str, literals: set[str] | None
) -> None:
    assert required_literals(pattern) == (frozenset(literals) if literals else None)


def test_the_literal_scan_finds_overlapping_and_nested_literals() -> None:
    scan = LiteralScan(["me", "message", "sage", "荐股", "股票", "qq", "qq号"])
    assert scan.present("messageme") == {"me", "message", "sage"}
    assert scan.present("荐股票qq号") == {"荐股", "股票", "qq", "qq号"}
    assert scan.present("nothing here") == frozenset()


@pytest.mark.parametrize(
    ("pattern", "without"),
    [
        (r"(?<!\d)1[3-9]\d{9}(?!\d)", r"1[3-9]\d{9}(?!\d)"),
        (r"(?<!远离)(?<!警惕)荐股", "荐股"),
        (r"(?<=[a-z0-9])(\.|dot)(com|cn)", r"(\.|dot)(com|cn)"),
        (r"(?<!\d)(\+?86)?1[3-9]\d{9}", None),  # nothing to skip to
        (r"荐股", None),
        (r"(?<!\d)", None),
    ],
)
def test_leading_lookbehinds_come_off_only_when_that_helps(
    pattern: str, without: str | None
) -> None:
    assert without_leading_lookbehinds(pattern) == without


def test_a_patterns_scout_finds_everything_the_pattern_finds() -> None:
    rules = moderation_rules(MODERATION_RULES)
    texts = [
        "call 13800138000",
        "+86 138-0013-8000",
        "去 stocks.vip 看看",
        "不要相信内幕消息",
        "远离荐股",
        "这只稳赚",
        "not guaranteed returns",
        "8613800138000",
    ]
    scouted = [p for rule in rules.rules for p in rule.patterns if p.scout is not None]
    assert len(scouted) >= 5
    for text in texts:
        normalised = normalise(text)
        for pattern in scouted:
            if pattern.regex.search(normalised):
                assert pattern.scout is not None
                assert pattern.scout.search(normalised), (pattern.regex.pattern, text)


def test_the_detectors_read_whole_runs_of_digits() -> None:
    assert has_bank_card("card4111111111111111end")
    assert not has_bank_card("41111111111111111111")  # 20 digits: no card
    assert not has_bank_card("4111111111111112")  # the Luhn check fails
    assert has_id_number("身份证11010519491231002x")
    assert not has_id_number("911010519491231002x")  # part of a longer run
    assert not has_id_number("1101051949123100")  # too short
