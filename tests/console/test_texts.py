"""Every word a console template asks for is there in both languages."""

import re
from pathlib import Path

from api.console.texts import keys, texts_for

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "console" / "templates"
# Keys built from a value in the templates: `t("kind_" ~ product.kind)` and the like.
BUILT = {
    "kind_": ("fee", "yield"),
    "contest_": ("upcoming", "running", "finished"),
    "ranking_": ("return", "risk_adjusted"),
    "stage_": ("new", "growing", "mature"),
}


def test_every_template_word_is_in_both_languages() -> None:
    asked = set()
    for template in TEMPLATES.glob("*.j2"):
        asked |= set(re.findall(r't\("([a-z_]+)"', template.read_text()))
    for prefix, values in BUILT.items():
        asked.discard(prefix)
        asked |= {prefix + value for value in values}
    assert sorted(asked - keys()) == []
    for locale in ("zh-CN", "en"):
        t = texts_for(locale)
        assert all(t(key) for key in keys() if "{" not in t(key))
    assert texts_for("zh-CN")("courses") != texts_for("en")("courses")
