"""Outcomes: the activity event log the client-service measures are computed from (written by
triggers, migration 0027), the in-app NPS survey, and the broker's facts about its clients."""
