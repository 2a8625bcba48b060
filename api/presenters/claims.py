"""Claims of listings as the API shows them."""

from __future__ import annotations

from directory.claims import Claim


def claim_dump(claim: Claim) -> dict:
    return {name: getattr(claim, name) for name in ("id", "enterprise_id", "user_id", "method",
                                                    "email", "status", "note", "created_at",
                                                    "decided_at")}
