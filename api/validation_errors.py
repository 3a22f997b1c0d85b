"""Every bad field of a JSON body at once, each in plain words.

msgspec stops at the first problem and words it for programmers ("Expected `str` of length >= 1
- at `$.display_name`"). On a failed decode the body is read again without a type and each field
is checked alone, so a form learns every problem in one round trip. Paths are dotted, with list
indexes in brackets (`answers.q1`, `roles[0]`), as in the course bundle's problems.
"""

import re
from collections.abc import Callable
from typing import Any

import msgspec
from msgspec import inspect

UNKNOWN_FIELD = "is not a field of this request"
REQUIRED = "is required"

# Patterns of the request bodies, said in words (tests check that every pattern has one).
PATTERN_MESSAGES = {
    r"^[a-z0-9][a-z0-9._-]*$": "may use only lowercase letters, digits, '.', '_' and '-', "
    "and must start with a letter or digit",
    r"^[a-z0-9][a-z0-9-]*$": "may use only lowercase letters, digits and '-', "
    "and must start with a letter or digit",
    r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$": "may use only letters, digits, '.', '_', ':', '/' and "
    "'-', and must start with a letter or digit",
    r"^[^\x00-\x1f]+$": "must not contain control characters",
    r"^[A-Za-z0-9][A-Za-z0-9._:-]*$": "may use only letters, digits, '.', '_', ':' and '-', "
    "and must start with a letter or digit",
    r"^[A-Za-z0-9.]+$": "may use only letters, digits and '.'",
}


FieldError = dict[str, str]  # {"field": ..., "message": ...}, as API.md's problem shape says


def _count(number: str, noun: str) -> str:
    return f"{number} {noun}" if number == "1" else f"{number} {noun}s"


def _bound(words: str) -> Callable[[re.Match[str]], str]:
    return lambda m: f"must be {words} {m['n']}"


def _size(words: str) -> Callable[[re.Match[str]], str]:
    nouns = {"str": "character", "array": "item", "object": "entry"}

    def say(m: re.Match[str]) -> str:
        noun = nouns.get(m["kind"], "item")
        count = _count(m["n"], noun).replace("entrys", "entries")
        verb = "be" if m["kind"] == "str" else "have"
        return f"must {verb} {words} {count}"

    return say


def _pattern(m: re.Match[str]) -> str:
    return PATTERN_MESSAGES.get(m["pattern"], "is not in the expected format")


# msgspec's wording → plain English. First match wins, so the specific come before the general.
_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Expected `\w+`, got `null`"), lambda m: "must not be null"),
    (re.compile(r"^Expected `(?P<kind>\w+)` of length >= (?P<n>\d+)"), _size("at least")),
    (re.compile(r"^Expected `(?P<kind>\w+)` of length <= (?P<n>\d+)"), _size("at most")),
    (re.compile(r"^Expected `\w+` >= (?P<n>\S+)"), _bound("at least")),
    (re.compile(r"^Expected `\w+` <= (?P<n>\S+)"), _bound("at most")),
    (re.compile(r"^Expected `\w+` > (?P<n>\S+)"), _bound("greater than")),
    (re.compile(r"^Expected `\w+` < (?P<n>\S+)"), _bound("less than")),
    (re.compile(r"^Expected `\w+` that is a multiple of (?P<n>\S+)"), _bound("a multiple of")),
    (re.compile(r"^Expected `str` matching regex '(?P<pattern>.*)'$"), _pattern),
    (re.compile(r"^Expected `datetime` with a timezone"), lambda m: "must include a time zone"),
    (re.compile(r"^Expected `int`, got"), lambda m: "must be a whole number"),
    (re.compile(r"^Expected `(float|decimal)`, got"), lambda m: "must be a number"),
    (re.compile(r"^Expected `str`, got"), lambda m: "must be text"),
    (re.compile(r"^Expected `bool`, got"), lambda m: "must be true or false"),
    (re.compile(r"^Expected `array`, got"), lambda m: "must be a list"),
    (re.compile(r"^Expected `object`, got"), lambda m: "must be an object"),
    (re.compile(r"^(Expected `uuid`|Invalid UUID)"), lambda m: "must be a UUID"),
    (
        re.compile(r"^(Expected `datetime`|Invalid RFC3339 encoded datetime)"),
        lambda m: "must be a date and time such as 2026-11-30T09:30:00+08:00",
    ),
    (
        re.compile(r"^(Expected `date`|Invalid RFC3339 encoded date)"),
        lambda m: "must be a date such as 2026-11-30",
    ),
    (re.compile(r"^Invalid enum value"), lambda m: "is not one of the allowed values"),
    (re.compile(r"^(Number|Integer value) out of range"), lambda m: "is out of range"),
    (re.compile(r"^Invalid decimal string"), lambda m: "must be a decimal number"),
    (re.compile(r"^Object missing required field"), lambda m: REQUIRED),
    (re.compile(r"^Object contains unknown field"), lambda m: UNKNOWN_FIELD),
]
_LOCATION = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]*)`")


def plain_message(message: str) -> str:
    """msgspec's (and Litestar's) wording of one problem, said for a person."""
    message = message.replace(" | null`", "`")  # optional fields: null is allowed, not news
    for pattern, say in _MESSAGES:
        if match := pattern.search(message):
            return say(match)
    return "is not valid"


def _join(path: str, part: str) -> str:
    if not part:
        return path
    if part.startswith("["):
        return path + part
    part = part.removeprefix(".")
    return f"{path}.{part}" if path else part


def _choices(annotation: Any) -> list[str]:
    """The allowed values of a Literal or Enum, also inside `| None`, lists and dict values."""
    info = inspect.type_info(annotation)
    while not isinstance(info, (inspect.LiteralType, inspect.EnumType)):
        if isinstance(info, inspect.Metadata):
            info = info.type
        elif isinstance(info, inspect.UnionType):
            info = next((t for t in info.types if not isinstance(t, inspect.NoneType)), info)
            if isinstance(info, inspect.UnionType):
                return []
        elif isinstance(info, (inspect.ListType, inspect.SetType, inspect.VarTupleType)):
            info = info.item_type
        elif isinstance(info, inspect.DictType):
            info = info.value_type
        else:
            return []
    if isinstance(info, inspect.LiteralType):
        return [str(value) for value in info.values]
    return [str(member.value) for member in info.cls]


def _from_validation_error(
    exc: msgspec.ValidationError, path: str, annotation: Any = None
) -> FieldError:
    located = _LOCATION.match(str(exc))
    message = located["message"] if located else str(exc)
    # `[...]` is msgspec's word for "some entry of an object"; callers that found it name it.
    where = _join(path, (located["path"] or "").replace("[...]", "", 1) if located else "")
    if named := _NAMED_FIELD.match(message):
        where = _join(where, named["name"])
    said = plain_message(message)
    if message.startswith("Invalid enum value") and (choices := _choices(annotation)):
        said = "must be one of: " + ", ".join(choices)
    return {"field": where or "body", "message": said}


def _check(value: Any, annotation: Any) -> msgspec.ValidationError | None:
    """Check one value alone, exactly as the body decoder would (JSON in, strict types)."""
    try:
        msgspec.json.decode(msgspec.json.encode(value), type=annotation, strict=True)
    except msgspec.ValidationError as exc:
        return exc
    return None


def _value_errors(value: Any, annotation: Any, path: str) -> list[FieldError]:
    problem = _check(value, annotation)
    if problem is None:
        return []
    struct = _struct_in(annotation, value)
    if struct is not None and isinstance(value, dict):
        return struct_errors(value, struct, path)
    if isinstance(value, dict) and "[...]" in str(problem):
        # msgspec cannot name the entry of an object that failed: check entry by entry.
        entries = ((str(key), _check({key: item}, annotation)) for key, item in value.items())
        if found := [
            _from_validation_error(entry_problem, _join(path, key), annotation)
            for key, entry_problem in entries
            if entry_problem is not None
        ]:
            return found
    return [_from_validation_error(problem, path, annotation)]


def _struct_in(annotation: Any, value: Any = None) -> type[msgspec.Struct] | None:
    """The Struct type an annotation stands for (through Annotated and `| None`), if any; of
    a tagged union, the member `value`'s tag names (so each of its fields is checked)."""
    info = inspect.type_info(annotation)
    if isinstance(info, inspect.Metadata):
        info = info.type
    if isinstance(info, inspect.UnionType):
        structs = [t for t in info.types if isinstance(t, inspect.StructType)]
        if len(structs) > 1 and isinstance(value, dict):
            structs = [t for t in structs if t.tag_field and value.get(t.tag_field) == t.tag]
        info = structs[0] if len(structs) == 1 else info
    return info.cls if isinstance(info, inspect.StructType) else None


def struct_errors(document: Any, struct: type[msgspec.Struct], path: str = "") -> list[FieldError]:
    """Every problem of `document` against `struct`, each field checked on its own."""
    if not isinstance(document, dict):
        return [{"field": path or "body", "message": "must be a JSON object"}]
    errors: list[FieldError] = []
    tag_field = struct.__struct_config__.tag_field
    known = {tag_field} if tag_field else set()
    for field in msgspec.structs.fields(struct):
        known.add(field.encode_name)
        where = _join(path, field.encode_name)
        if field.encode_name in document:
            errors += _value_errors(document[field.encode_name], field.type, where)
        elif field.required:
            errors.append({"field": where, "message": REQUIRED})
    if struct.__struct_config__.forbid_unknown_fields:
        errors += [
            {"field": _join(path, str(key)), "message": UNKNOWN_FIELD}
            for key in document
            if key not in known
        ]
    return errors


def body_errors(body: bytes, annotation: Any, first: msgspec.ValidationError) -> list[FieldError]:
    """Every problem of a JSON body that failed to decode into `annotation` with `first`."""
    struct = _struct_in(annotation)
    try:
        document = msgspec.json.decode(body)
    except msgspec.ValidationError:  # a number beyond any type: only the first error is known
        return [_from_validation_error(first, "")]
    errors = struct_errors(document, struct) if struct is not None else []
    return errors or [_from_validation_error(first, "")]
