"""Devices as the API shows them: never their whole token or subscription."""

from __future__ import annotations

from directory.devices import Device


def device_dump(device: Device) -> dict:
    return {"id": device.id, "platform": device.platform, "language": device.language,
            "token_end": device.token[-8:], "created_at": device.created_at,
            "updated_at": device.updated_at}
