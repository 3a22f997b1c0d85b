"""Engagement: the counters the events keep, and the hand-off of one batch of events to the
quests, badges and league (each a sub-package of `gamification`)."""
