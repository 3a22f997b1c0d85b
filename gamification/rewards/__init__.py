"""Rewards: which event earns what (rules, caps, campaign multipliers), XP levels and streaks."""
