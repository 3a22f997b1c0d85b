"""The engagement area: the caller's quests and badges, and the week's league table."""
