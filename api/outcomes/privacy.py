"""The outcomes' personal data (see `gamification/outcomes/personal_data.py`)."""

from gamification.outcomes.personal_data import erase_outcomes, export_outcomes

__all__ = ["erase_outcomes", "export_outcomes"]
