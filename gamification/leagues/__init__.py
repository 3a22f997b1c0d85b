"""Weekly leagues: tiers (`seed/leagues.yaml`), cohorts of at most 30 filled in arrival order as
learners earn their first XP of the week, ranked by the week's XP, and closed every Monday
00:00 in the business time zone (promotions, demotions, leaders' prizes)."""
