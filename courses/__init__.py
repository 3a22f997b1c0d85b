"""The learning domain: courses, micro-lessons, quizzes, learner progress, and the loader of
course bundles (the editors' YAML format).

Pure rules: `bundle` (the format), `validation`, `structure`, `text`, `grading`, `gating`.
Services (async, taking an `AsyncSession`): `importing`, `catalogue`, `lessons`,
`quizzes`, `progress`, `stats`. Tables in `models`, errors in `errors`, the events learning
emits for rewards in `events`. Imports nothing of ours but `core`.
"""
