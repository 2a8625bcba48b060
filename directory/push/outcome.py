"""What a push service answered a push."""

from __future__ import annotations

from dataclasses import dataclass

from directory.webhook_delivery import Outcome


@dataclass
class Pushed(Outcome):
    """The answer's status (None when there was none) and error, and whether the service says
    the device's token or subscription is gone for good (the device is then forgotten)."""

    gone: bool = False
