"""The small shared base under every domain: table metadata, ids, the clock
and calendar days in a time zone, domain errors.

No business logic lives here: `courses` and `gamification` may import it; it imports nothing
of ours.
"""
