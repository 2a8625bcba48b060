"""Your account as the API shows it: who a token acts for and the listings they keep."""

from __future__ import annotations

from collections.abc import Iterable

from directory.accounts import Membership, User


def me_dump(user: User, memberships: Iterable[Membership], scope: str) -> dict:
    return {"id": user.id, "email": user.email, "is_admin": user.is_admin,
            "created_at": user.created_at,
            "memberships": [{"enterprise_id": m.enterprise_id, "role": m.role} for m in memberships],
            "scope": scope}
