"""The community's personal data: a member's posts, comments, likes and reports.

Erasure empties their post and comment bodies (the ids stay, so threads hold together),
removes those posts and comments, deletes their likes and the free text of their reports.
"""

from gamification.community.personal_data import erase_community, export_community

__all__ = ["erase_community", "export_community"]
