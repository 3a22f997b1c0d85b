"""Every word a console template asks for is there in both languages."""

import re
from pathlib import Path

from api.console.campaign_form import LINK_KINDS, SCHEDULE_KINDS
from api.console.segment_builder import HINTS, MATCHES, MODES
from api.console.texts import keys, texts_for
from gamification.campaigns.definitions import ACTION_TYPES
from gamification.campaigns.filters import FIELDS

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "console" / "templates"
# Keys built from a value in the templates: `t("kind_" ~ product.kind)` and the like.
BUILT = {
    "kind_": ("fee", "yield", "post", "comment"),
    "action_": ("approve", "hide", "remove"),
    "change_": ("dry_run", "schedule", "pause", "resume", "cancel"),
    "contest_": ("upcoming", "running", "finished"),
    "ranking_": ("return", "risk_adjusted"),
    "stage_": ("new", "growing", "mature"),
    "match_": MATCHES,
    "mode_": MODES,
    "field_": tuple(FIELDS),
    "op_": ("eq", "ne", "in", "gte", "lte", "between"),
    "value_": tuple(set(HINTS.values())),
    "action_type_": ACTION_TYPES,
    "schedule_kind_": SCHEDULE_KINDS,
    "link_": LINK_KINDS,
}


def test_every_template_word_is_in_both_languages() -> None:
    asked = set()
    for template in TEMPLATES.glob("*.j2"):
        asked |= set(re.findall(r'\bt\("([a-z_]+)"', template.read_text()))
    for prefix, values in BUILT.items():
        asked.discard(prefix)
        asked |= {prefix + value for value in values}
    assert sorted(asked - keys()) == []
    for locale in ("zh-CN", "en"):
        t = texts_for(locale)
        assert all(t(key) for key in keys() if "{" not in t(key))
    assert texts_for("zh-CN")("courses") != texts_for("en")("courses")
