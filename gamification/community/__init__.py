"""Community: posts, comments, likes, reports and moderation, behind a compliance filter.

Pure modules (no database): `normalise` (the text the filter reads), `detectors` (bank cards
by Luhn, ID card numbers by their check digit), `screening` (the rule set from
`seed/moderation.yaml` and the verdict on a text), `events` (what publishing hands on).
Services (an `AsyncSession` first): `posts`, `comments`, `reactions`, `reports`, `moderation`,
`throttle`, `personal_data`.

Lock order, the same in every service: the post row, then its comment, reaction or report
rows; the author's `community_rate` row before any of them.
"""
