"""Outcomes routes: the learner's NPS survey and the broker's client events."""
