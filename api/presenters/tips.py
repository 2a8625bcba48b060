"""Tips as the API shows them: never who wrote or voted."""

from __future__ import annotations

from directory.crowd_rules import key_steps
from directory.tips import COMMUNITY, Tip


def tip_dump(tip: Tip) -> dict:
    return {"id": tip.id, "channel_id": tip.channel_id, "enterprise_id": tip.enterprise_id,
            "keys": key_steps(tip.keys), "best_time": tip.best_time, "text": tip.text,
            "created_at": tip.created_at, "worked": tip.worked_accounts,
            "failed": tip.failed_accounts, "confidence": round(tip.confidence / 1_000_000, 3),
            "confirmed": tip.promotable, "hidden": tip.hidden, "source": COMMUNITY}
