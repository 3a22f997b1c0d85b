"""Badges: a catalogue (`seed/badges.yaml`) of criteria over the engagement counters, each
awarded once per learner by the event that first meets it, in that event's transaction."""
