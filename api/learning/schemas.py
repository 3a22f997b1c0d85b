"""Request and response bodies of the Learning and Editors sections."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Raw, Struct

from api.pagination import Page
from api.rewards.schemas import RewardOut, StreakOut, WalletOut

ChoiceIds = Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=6)]


class ProgressOut(Struct):
    completed: int
    total: int


class CourseItem(Struct):
    slug: str
    title: str
    summary: str
    level: str
    tags: list[str]
    lesson_count: int
    progress: ProgressOut | None  # null without a token (a visitor browsing the catalogue)
    min_risk_profile: str
    prerequisites: list[str]
    locked: bool
    locked_reason: (
        str | None
    )  # risk-assessment-required | risk-profile-too-low | prerequisites-incomplete
    locked_message: str | None
    missing_prerequisites: list[str]


class CoursePage(Page[CourseItem]):
    """A page of the catalogue, easiest level first."""


class LessonItem(Struct):
    id: uuid.UUID
    slug: str
    title: str
    est_minutes: int
    completed: bool
    open_to_all: bool  # readable (quiz included) even while the course is locked


class CourseDetailOut(CourseItem):
    version: int
    locale: str
    lessons: list[LessonItem]


class CardOut(Struct):
    kind: str
    body: str


class QuizChoiceOut(Struct):
    id: str
    text: str


class QuizQuestionOut(Struct):
    id: str
    kind: str
    prompt: str
    choices: list[QuizChoiceOut]


class QuizOut(Struct):
    pass_score: int
    questions: list[QuizQuestionOut]  # choices in the learner's own stable order; answer by id
    scoring: str  # all_or_nothing: a question counts only when every choice is right


def encoded(json: str) -> Any:
    """JSON the database wrote in a field's own shape (a lesson's cards), set in a response
    struct in place of the structs it stands for: written out as it is, neither decoded nor
    encoded again."""
    return Raw(json)


class LessonOut(Struct):
    """A lesson to read: never the correct answers or the explanations."""

    id: uuid.UUID
    slug: str
    course_slug: str
    locale: str
    position: int
    title: str
    est_minutes: int
    min_read_seconds: int
    opened_at: datetime
    completed: bool
    cards: list[CardOut]
    quiz: QuizOut


class LessonCompletionOut(Struct):
    lesson_id: uuid.UUID
    completed: bool
    newly_completed: bool
    course_completed: bool
    rewards: list[RewardOut]
    wallet: WalletOut | None = None  # the wallet after the rewards


class QuizAttemptIn(Struct, forbid_unknown_fields=True):
    answers: Annotated[dict[Annotated[str, Meta(max_length=64)], ChoiceIds], Meta(max_length=20)]


class QuestionResultOut(Struct):
    question_id: str
    correct: bool
    correct_choice_ids: list[str]
    explanation: str


class QuizAttemptOut(Struct):
    attempt_id: uuid.UUID
    score: int
    max_score: int
    passed: bool
    perfect: bool
    results: list[QuestionResultOut]
    attempts_left_today: int
    rewards: list[RewardOut]
    wallet: WalletOut | None = None


class CourseProgressOut(Struct):
    slug: str
    title: str
    progress: ProgressOut
    completed_at: datetime | None
    last_activity_at: datetime | None


class ActivityOut(Struct):
    kind: str  # lesson_opened | lesson_completed | quiz_attempted
    course_slug: str
    course_title: str  # in the caller's locale
    lesson_id: uuid.UUID
    lesson_slug: str
    lesson_title: str  # in the caller's locale
    at: datetime
    score: int | None = None
    max_score: int | None = None
    passed: bool | None = None


class MyProgressOut(Struct):
    courses: list[CourseProgressOut]
    recent_activity: list[ActivityOut]
    streak: StreakOut | None = None


class BundleIssue(Struct, omit_defaults=True):
    field: str
    message: str
    line: int | None = None  # where the field starts in a YAML bundle; absent for JSON


class ImportOut(Struct):
    slug: str
    version: int
    status: str
    lessons: int
    questions: int
    warnings: list[BundleIssue]
    changed: bool


class PublishOut(Struct):
    slug: str
    version: int
    status: str
    archived_versions: list[int]


class ChoiceCountOut(Struct):
    id: str
    text: str
    count: int


class QuestionStatsOut(Struct):
    question_id: str
    prompt: str
    attempts: int
    correct: int
    accuracy: float | None
    most_chosen_wrong_choice: ChoiceCountOut | None


class LessonStatsOut(Struct):
    lesson_id: uuid.UUID
    slug: str
    title: str
    opens: int
    completions: int
    quiz_attempts: int
    quiz_passes: int
    pass_rate: float | None
    questions: list[QuestionStatsOut]


class CourseStatsOut(Struct):
    slug: str
    version: int
    status: str
    lessons: list[LessonStatsOut]


class UnpublishOut(Struct):
    slug: str
    version: int  # the version that was live
    status: str  # unpublished


class VersionOut(Struct):
    number: int
    status: str  # draft | published | unpublished | archived
    title: str  # in the original locale (zh-CN)
    locales: list[str]
    lesson_count: int
    question_count: int
    created_at: datetime
    published_at: datetime | None  # when it last went live


class EditorCourseOut(Struct):
    slug: str
    live_version: int | None  # the version learners see; null when none is published
    pending_draft: int | None  # the draft `POST .../publish` would publish
    versions: list[VersionOut]  # newest first


class EditorCoursePage(Page[EditorCourseOut]):
    """A page of every course, by slug."""


class VersionLessonOut(Struct):
    id: uuid.UUID
    slug: str
    position: int
    title: str
    est_minutes: int
    open_to_all: bool


class CourseVersionOut(Struct):
    slug: str
    number: int
    status: str
    locale: str
    title: str
    summary: str
    created_at: datetime
    published_at: datetime | None
    lessons: list[VersionLessonOut]


class PreviewChoiceOut(Struct):
    id: str
    text: str
    correct: bool


class PreviewQuestionOut(Struct):
    id: str
    kind: str
    prompt: str
    choices: list[PreviewChoiceOut]  # in the order the editor would see them as a learner
    explanation: str


class PreviewQuizOut(Struct):
    pass_score: int
    questions: list[PreviewQuestionOut]
    scoring: str


class LessonPreviewOut(Struct):
    """A lesson of any version as a learner would read it, with answers and explanations."""

    id: uuid.UUID
    slug: str
    course_slug: str
    version: int
    status: str
    locale: str
    position: int
    title: str
    est_minutes: int
    open_to_all: bool
    cards: list[CardOut]
    quiz: PreviewQuizOut
