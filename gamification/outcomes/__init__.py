"""Outcomes: the activity event log the client-service measures are computed from (written by
triggers, migration 0027), the in-app NPS survey, the broker's facts about its clients, and the
measures themselves, rolled up daily into month-grained tables (migration 0028)."""
