"""A member's community data in the export, and what erasing the account leaves: ids without
bodies, no likes (the counts drop), reports without their free text."""

import pytest
from httpx import AsyncClient

from tests.community.helpers import community, member, published_post
from tests.factories import UserFactory

__all__ = ["community"]  # fixtures used by name
pytestmark = pytest.mark.usefixtures("community")


async def test_the_export_has_posts_comments_likes_and_reports_and_erasure_empties_them(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    leaver, other = await member(user_factory), await member(user_factory)
    own = await published_post(client, leaver, "我的学习笔记")
    theirs = await published_post(client, other, "别人的帖子")
    comment = await client.post(
        f"/v1/posts/{theirs}/comments", json={"body": "写得好"}, headers=leaver.headers
    )
    await client.post(
        f"/v1/posts/{theirs}/reactions", json={"kind": "like"}, headers=leaver.headers
    )
    await client.post(f"/v1/posts/{own}/reactions", json={"kind": "like"}, headers=other.headers)
    await client.post(
        f"/v1/posts/{theirs}/reports",
        json={"reason": "other", "detail": "私人原因"},
        headers=leaver.headers,
    )
    exported = (await client.get("/v1/me/export", headers=leaver.headers)).json()["community"]
    assert [p["body"] for p in exported["posts"]] == ["我的学习笔记"]
    assert [c["body"] for c in exported["comments"]] == ["写得好"]
    assert [r["post_id"] for r in exported["reactions"]] == [theirs]
    assert [(r["reason"], r["detail"]) for r in exported["reports"]] == [("other", "私人原因")]
    assert "email" not in str(exported)

    assert (await client.delete("/v1/me", headers=leaver.headers)).status_code == 204
    seen = (await client.get(f"/v1/posts/{theirs}", headers=other.headers)).json()
    assert (seen["like_count"], seen["comment_count"], seen["comments"]) == (0, 0, [])
    assert (await client.get(f"/v1/posts/{own}", headers=other.headers)).status_code == 404
    moderator = await user_factory(roles=["moderator"])
    gone = (await client.get(f"/v1/posts/{own}", headers=moderator.headers)).json()
    assert (gone["id"], gone["body"], gone["status"]) == (own, "", "removed")
    assert gone["author"] == {"display_name": None}
    assert comment.json()["id"]  # the comment row keeps its id (its body is gone)
