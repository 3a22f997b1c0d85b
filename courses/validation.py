"""Validating course bundles: every problem, with its file and its path in the document.

A bundle is checked as a whole and never half-imported: each locale document against the
format (`courses.bundle`), then the rules that span documents — unique lesson slugs and
question ids, known prerequisites, locale files agreeing on structure. Checks that can run on
a document that failed the format still run, so an editor sees every problem in one pass.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from courses.bundle import LOCALES, ORIGINAL_LOCALE, LocaleFile
from courses.choice_letters import letter_warnings
from courses.quiz_balance import position_warnings, wording_warnings
from courses.structure import structure_differences


@dataclass(frozen=True)
class Problem:
    file: str
    path: str  # e.g. `lessons[2].quiz.questions[0].choices`; "" for the document as a whole
    message: str
    line: int | None = None  # where `path` starts in a YAML file, when known

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(document)'}: {self.message}"


@dataclass(frozen=True)
class CourseSource:
    """One course's documents as read, before validation: locale -> (file label, content)."""

    slug: str
    label: str  # how to name the course as a whole in a problem (its folder, or "bundle")
    documents: dict[str, tuple[str, Any]]
    problems: list[Problem] = field(default_factory=list)  # unreadable files, bad names
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> path -> line

    def located(self, problems: Iterable[Problem]) -> list[Problem]:
        """The problems with the line their path (or its nearest parent) starts on."""
        return [
            replace(p, line=_line_of(self.lines.get(p.file, {}), p.path)) if p.line is None else p
            for p in problems
        ]


def _line_of(lines: Mapping[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[: max(path.rfind("."), path.rfind("["), 0)]
    return lines.get("")


@dataclass(frozen=True)
class CourseBundle:
    """A valid course: every locale document, the original first."""

    slug: str
    locales: dict[str, LocaleFile]
    content_hash: str
    warnings: list[Problem]

    @property
    def original(self) -> LocaleFile:
        return self.locales[ORIGINAL_LOCALE]

    @property
    def question_count(self) -> int:
        return sum(len(lesson.quiz.questions) for lesson in self.original.lessons)


def path_of(loc: Sequence[int | str]) -> str:
    """Pydantic's error location as a path: ("lessons", 2, "quiz") -> `lessons[2].quiz`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_document(raw: Any, file: str) -> tuple[LocaleFile | None, list[Problem]]:
    try:
        return LocaleFile.model_validate(raw), []
    except ValidationError as exc:
        return None, [
            Problem(file, path_of(error["loc"]), error["msg"].removeprefix("Value error, "))
            for error in exc.errors()
        ]


def validate_course(
    source: CourseSource, *, known_courses: AbstractSet[str] | None = None
) -> tuple[CourseBundle | None, list[Problem]]:
    """Check one course; `known_courses` (None: do not check) are the slugs it may require."""
    problems = list(source.problems)
    parsed: dict[str, LocaleFile] = {}
    for locale, (file, raw) in source.documents.items():
        document, found = parse_document(raw, file)
        problems += found
        problems += _document_rules(source.slug, locale, file, raw, known_courses)
        if document is not None:
            parsed[locale] = document
    if ORIGINAL_LOCALE not in source.documents:
        problems.append(
            Problem(source.label, "", f"the original locale {ORIGINAL_LOCALE} is missing")
        )
    if ORIGINAL_LOCALE in parsed:
        for locale, document in parsed.items():
            if locale != ORIGINAL_LOCALE:
                file = source.documents[locale][0]
                original_file = source.documents[ORIGINAL_LOCALE][0]
                for path, message in structure_differences(parsed[ORIGINAL_LOCALE], document):
                    problems.append(Problem(file, path, f"{message} ({original_file})"))
    if problems or ORIGINAL_LOCALE not in parsed:
        return None, source.located(problems)
    ordered = {locale: parsed[locale] for locale in LOCALES if locale in parsed}
    warnings = source.located(_warnings(source, ordered))
    return CourseBundle(source.slug, ordered, content_hash(ordered), warnings), []


def validate_courses(
    sources: Sequence[CourseSource], *, known_courses: AbstractSet[str] | None = None
) -> tuple[list[CourseBundle], list[Problem]]:
    """Check several courses together: each may require the others (or `known_courses`)."""
    known = None if known_courses is None else set(known_courses) | {s.slug for s in sources}
    bundles, problems = [], []
    slugs = [source.slug for source in sources]
    for source in sources:
        if slugs.count(source.slug) > 1:
            problems.append(Problem(source.label, "slug", f"duplicate course slug {source.slug}"))
        bundle, found = validate_course(source, known_courses=known)
        problems += found
        if bundle is not None:
            bundles.append(bundle)
    problems += _prerequisite_cycles(bundles)
    return ([] if problems else bundles), problems


def content_hash(locales: Mapping[str, LocaleFile]) -> str:
    """A hash over every locale's whole content: equal hashes mean nothing changed."""
    canonical = {locale: document.model_dump(mode="json") for locale, document in locales.items()}
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _document_rules(
    slug: str, locale: str, file: str, raw: Any, known: AbstractSet[str] | None
) -> Iterable[Problem]:
    """Rules across a document's parts, checked on the raw content so they run even when the
    document breaks the format elsewhere."""
    if not isinstance(raw, dict):
        return
    if isinstance(raw.get("locale"), str) and raw["locale"] != locale:
        yield Problem(file, "locale", f"is {raw['locale']} but the file is for {locale}")
    if isinstance(raw.get("slug"), str) and raw["slug"] != slug:
        yield Problem(file, "slug", f"is {raw['slug']} but the course is {slug}")
    yield from _duplicates(file, raw)
    prerequisites = raw.get("prerequisites")
    for i, required in enumerate(prerequisites if isinstance(prerequisites, list) else []):
        if required == slug:
            yield Problem(file, f"prerequisites[{i}]", "a course cannot require itself")
        elif known is not None and isinstance(required, str) and required not in known:
            yield Problem(file, f"prerequisites[{i}]", f"unknown prerequisite course {required}")


def _duplicates(file: str, raw: dict[str, Any]) -> Iterable[Problem]:
    lesson_slugs: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    for i, lesson in _items(raw.get("lessons")):
        slug = lesson.get("slug")
        if isinstance(slug, str):
            if slug in lesson_slugs:
                yield Problem(
                    file,
                    f"lessons[{i}].slug",
                    f"duplicate lesson slug {slug} (also at {lesson_slugs[slug]})",
                )
            lesson_slugs.setdefault(slug, f"lessons[{i}]")
        quiz = lesson.get("quiz")
        for j, question in _items(quiz.get("questions") if isinstance(quiz, dict) else None):
            question_id, path = question.get("id"), f"lessons[{i}].quiz.questions[{j}]"
            if isinstance(question_id, str):
                if question_id in question_ids:
                    yield Problem(
                        file,
                        f"{path}.id",
                        f"duplicate question id {question_id} "
                        f"(also at {question_ids[question_id]})",
                    )
                question_ids.setdefault(question_id, path)


def _items(value: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _prerequisite_cycles(bundles: Sequence[CourseBundle]) -> list[Problem]:
    requires = {bundle.slug: bundle.original.prerequisites for bundle in bundles}
    problems = []
    for start in requires:
        seen, frontier = set(), list(requires[start])
        while frontier:
            slug = frontier.pop()
            if slug == start:
                problems.append(Problem(start, "prerequisites", "prerequisites form a cycle"))
                break
            if slug not in seen:
                seen.add(slug)
                frontier += requires.get(slug, [])
    return problems


def _warnings(source: CourseSource, locales: Mapping[str, LocaleFile]) -> list[Problem]:
    warnings = [
        Problem(
            source.label, "", f"no {locale} translation: {locale} learners see {ORIGINAL_LOCALE}"
        )
        for locale in LOCALES
        if locale not in locales
    ]
    file = source.documents[ORIGINAL_LOCALE][0]
    for i, lesson in enumerate(locales[ORIGINAL_LOCALE].lessons):
        if lesson.cards[-1].kind != "takeaway":
            warnings.append(Problem(file, f"lessons[{i}].cards", "the last card is not a takeaway"))
    warnings += [Problem(file, *w) for w in position_warnings(locales[ORIGINAL_LOCALE])]
    for locale, document in locales.items():
        locale_file = source.documents[locale][0]
        warnings += [Problem(locale_file, *w) for w in wording_warnings(document)]
        warnings += [Problem(locale_file, *w) for w in letter_warnings(document)]
    return warnings
