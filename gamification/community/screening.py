"""The compliance filter: the rule set (`seed/moderation.yaml`, data the compliance team edits)
and its verdict on a post or comment.

A rule has an id, a class (stock_tip, return_promise, contact, personal_data, abuse, ...),
zh-CN and en patterns (regular expressions over the normalised text, `normalise.py`), or a
built-in detector (`bank_card`, `id_card`), an action and a message in each locale:
`block` refuses the text with the message, `hold` publishes it only after a moderator approves
it, `label` publishes it with the message as a label. The strongest action of the rules that
match wins; every matching rule is named.
"""

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import yaml

from gamification.community.detectors import DETECTORS
from gamification.community.nfkc import nfkc
from gamification.community.normalise import normalise, normalise_pattern
from gamification.community.pattern_safety import pattern_problem
from gamification.community.prefilter import (
    LiteralScan,
    required_literals,
    without_leading_lookbehinds,
)

LOCALES = ("zh-CN", "en")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")
NOT_INVESTMENT_ADVICE = "not_investment_advice"
NEW_ACCOUNT_HOLD = "new_account_hold"  # not a rule of the file: the account is too young
# A security named in the text itself: `600519.SH` (full-width forms and any case too).
_SECURITY_CODE = re.compile(r"(?<![0-9])[0-9]{6}\.(?:sh|sz|bj)(?![a-z])")


class Action(IntEnum):
    """Ordered by strength: the strongest matching rule decides."""

    LABEL = 1
    HOLD = 2
    BLOCK = 3


@dataclass(frozen=True)
class ModerationRule:
    id: str
    rule_class: str
    action: Action
    message: Mapping[str, str]  # by locale
    patterns: tuple["Pattern", ...]
    detector: str | None

    def matches(self, normalised: str, present: frozenset[str]) -> bool:
        """`present`: the literals of the rule's patterns the text holds (`LiteralScan`)."""
        if any(pattern.search(normalised, present) for pattern in self.patterns):
            return True
        return self.detector is not None and DETECTORS[self.detector](normalised)


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern, the literals it cannot match without and, when it starts with
    look-behinds, the same without them (see `prefilter.py`): both are looked for first."""

    regex: re.Pattern[str]
    literals: frozenset[str] | None
    scout: re.Pattern[str] | None = None

    def search(self, normalised: str, present: frozenset[str]) -> bool:
        if self.literals is not None and self.literals.isdisjoint(present):
            return False
        if self.scout is not None and self.scout.search(normalised) is None:
            return False
        return self.regex.search(normalised) is not None


@dataclass(frozen=True)
class Verdict:
    action: Action | None  # None: nothing matched, publish
    matched: tuple[str, ...]  # ids of every matching rule
    blocked_by: ModerationRule | None
    labels: tuple[str, ...]  # ids of the matching label rules

    @property
    def held(self) -> bool:
        return self.action is Action.HOLD


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[ModerationRule, ...]
    labels: Mapping[str, Mapping[str, str]]  # label id -> text by locale (rules' and built-in)
    literals: LiteralScan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        every = (p.literals or () for rule in self.rules for p in rule.patterns)
        object.__setattr__(self, "literals", LiteralScan(itertools.chain.from_iterable(every)))

    def screen(self, text: str) -> Verdict:
        normalised = normalise(text)
        present = self.literals.present(normalised)
        found = [rule for rule in self.rules if rule.matches(normalised, present)]
        action = max((rule.action for rule in found), default=None)
        blocked = next((rule for rule in found if rule.action is Action.BLOCK), None)
        labels = tuple(rule.id for rule in found if rule.action is Action.LABEL)
        return Verdict(action, tuple(rule.id for rule in found), blocked, labels)

    def label_text(self, label: str, locale: str) -> str | None:
        texts = self.labels.get(label)
        return None if texts is None else texts[locale]


def names_a_security(text: str) -> bool:
    """Read with its spaces: `600519.SH annual` names it, glued words would hide the end. NFKC by
    `nfkc.py` (the same text as `unicodedata`'s, a fraction of its time on a Chinese post)."""
    return _SECURITY_CODE.search(nfkc(text).casefold()) is not None


class RuleFileError(ValueError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@functools.cache
def moderation_rules(path: Path) -> RuleSet:
    """The rule set of the file, read once per process (settings check it at start)."""
    return read_rule_set(path)


def read_rule_set(path: Path) -> RuleSet:
    """The rule file checked as a whole: RuleFileError lists every problem, with its place."""
    document = read_rule_document(path)
    try:
        return parse_rule_set(document)
    except RuleFileError as exc:
        raise RuleFileError([f"{path.name}: {problem}" for problem in exc.problems]) from exc


def read_rule_document(path: Path) -> Any:
    """The file's YAML document, not yet checked (RuleFileError when it cannot be read)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleFileError([f"{path.name}: cannot be read: {exc}"]) from exc


def parse_rule_set(document: Any) -> RuleSet:
    if not isinstance(document, Mapping) or not isinstance(document.get("rules"), list):
        raise RuleFileError(["needs `labels:` and a `rules:` list"])
    problems: list[str] = []
    labels = _labels(document.get("labels"), problems)
    if not document["rules"]:
        # An empty set would switch screening off on every server at once.
        problems.append("rules: needs at least one rule")
    rules: list[ModerationRule] = []
    for index, spec in enumerate(document["rules"]):
        where = f"rules[{index}]"
        rule = _rule(spec, where, problems)
        if rule is None:
            continue
        if any(other.id == rule.id for other in rules) or rule.id in labels:
            problems.append(f"{where}.id: {rule.id} is used twice")
        rules.append(rule)
    if problems:
        raise RuleFileError(problems)
    label_texts = {**labels, **{r.id: r.message for r in rules if r.action is Action.LABEL}}
    return RuleSet(tuple(rules), label_texts)


def _labels(spec: Any, problems: list[str]) -> dict[str, Mapping[str, str]]:
    if not isinstance(spec, Mapping) or NOT_INVESTMENT_ADVICE not in spec:
        problems.append(f"labels: needs {NOT_INVESTMENT_ADVICE} with a text in each locale")
        return {}
    return {
        label: texts
        for label, texts in spec.items()
        if _localised(texts, f"labels.{label}", problems)
    }


def _localised(texts: Any, where: str, problems: list[str]) -> bool:
    fine = (
        isinstance(texts, Mapping)
        and set(texts) == set(LOCALES)
        and all(isinstance(text, str) and 0 < len(text.strip()) <= 200 for text in texts.values())
    )
    if not fine:
        problems.append(f"{where}: needs a text of 1 to 200 characters in zh-CN and in en")
    return fine


def _rule(spec: Any, where: str, problems: list[str]) -> ModerationRule | None:
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: must be a mapping")
        return None
    before = len(problems)
    unknown = set(spec) - {"id", "class", "action", "patterns", "detector", "message"}
    if unknown:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")
    rule_id, rule_class = spec.get("id"), spec.get("class")
    if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
        problems.append(f"{where}.id: lowercase letters, digits, - and _, at most 48")
    if not isinstance(rule_class, str) or not ID_PATTERN.match(rule_class):
        problems.append(f"{where}.class: lowercase letters, digits, - and _, at most 48")
    action = spec.get("action")
    if action not in ("hold", "block", "label"):
        problems.append(f"{where}.action: one of hold, block, label")
    _localised(spec.get("message"), f"{where}.message", problems)
    detector = spec.get("detector")
    if detector is not None and detector not in DETECTORS:
        problems.append(f"{where}.detector: one of {', '.join(sorted(DETECTORS))}")
    patterns = _patterns(spec.get("patterns"), where, problems)
    if not patterns and detector is None and len(problems) == before:
        problems.append(f"{where}: needs patterns or a detector")
    if len(problems) > before:
        return None
    assert isinstance(rule_id, str)
    assert isinstance(rule_class, str)
    assert isinstance(action, str)
    return ModerationRule(
        id=rule_id,
        rule_class=rule_class,
        action=Action[action.upper()],
        message=dict(spec["message"]),
        patterns=patterns,
        detector=detector,
    )


def _patterns(spec: Any, where: str, problems: list[str]) -> tuple[Pattern, ...]:
    """Each locale's list of patterns, compiled, each with its required literals."""
    if spec is None:
        return ()
    if not isinstance(spec, Mapping) or not set(spec) <= set(LOCALES):
        problems.append(f"{where}.patterns: a list per locale (zh-CN, en)")
        return ()
    compiled = []
    for locale, patterns in spec.items():
        if not isinstance(patterns, list):
            problems.append(f"{where}.patterns.{locale}: must be a list")
            continue
        for index, pattern in enumerate(patterns):
            place = f"{where}.patterns.{locale}[{index}]"
            if not isinstance(pattern, str) or not pattern.strip():
                problems.append(f"{place}: must be a non-empty text")
                continue
            normalised = normalise_pattern(pattern)
            try:
                regex = re.compile(normalised)
            except re.error as exc:
                problems.append(f"{place}: not a valid regular expression ({exc})")
                continue
            # As typed and as run: full-width brackets become syntax once normalised.
            unsafe = pattern_problem(pattern) or pattern_problem(normalised)
            if unsafe is not None:
                problems.append(f"{place}: {unsafe}")
                continue
            scout = without_leading_lookbehinds(normalised)
            compiled.append(
                Pattern(
                    regex,
                    required_literals(normalised),
                    re.compile(scout) if scout is not None else None,
                )
            )
    return tuple(compiled)
