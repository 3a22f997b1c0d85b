"""Quests: a pool of templates (`seed/quests.yaml`); each learner gets three daily quests drawn
for the day, a weekly quest and the month's challenge, counted from the engagement counters and
paid once through the ledger (reference `quest:{date}:{quest}:{user}`) within the daily caps."""
