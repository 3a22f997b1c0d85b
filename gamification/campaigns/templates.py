"""Message templates: zh-CN and en text with `{variable}` slots, checked when a campaign is
created and filled per learner when it runs. Only the variables below exist; anything else in
braces (an unknown name, an attribute, a format spec) is refused at creation."""

import string
from collections.abc import Mapping

VARIABLES = {
    "display_name": "the learner's display name",
    "points_balance": "the learner's points balance",
}
_FORMATTER = string.Formatter()


def template_problem(template: str) -> str | None:
    """Why `template` cannot be used, or None."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return f"braces do not match ({exc}); write {{{{ and }}}} for literal braces"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in VARIABLES or spec or conversion:
            known = ", ".join("{" + variable + "}" for variable in VARIABLES)
            return f"unknown variable {{{name}}}: use {known}"
    return None


def fill(template: str, values: Mapping[str, object]) -> str:
    """The template with each variable replaced (validated at creation, so every slot is
    one of VARIABLES)."""
    return template.format_map({name: values.get(name, "") for name in VARIABLES})
