"""One environment-driven configuration for every way the app runs.

Every setting comes from an environment variable; the defaults are the embedded ones that
`make run` uses (SQLite file under DATA_DIR, no external server needed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


@dataclass
class Config:
    """Settings of one app instance. Build it with :meth:`from_env`."""

    data_dir: Path = Path("var")
    database_url: str = ""
    elasticsearch_url: str | None = None
    elasticsearch_index: str = "c800-listings"
    search_retry_seconds: int = 30
    redis_url: str | None = None
    public_cache_seconds: int = 60
    max_content_length: int = 1024 * 1024
    testing: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        data_dir = Path(os.environ.get("DATA_DIR") or "var").resolve()
        config = cls(
            data_dir=data_dir,
            database_url=os.environ.get("DATABASE_URL") or "",
            elasticsearch_url=os.environ.get("ELASTICSEARCH_URL") or None,
            elasticsearch_index=os.environ.get("ELASTICSEARCH_INDEX") or "c800-listings",
            search_retry_seconds=_env_int("SEARCH_RETRY_SECONDS", 30),
            redis_url=os.environ.get("REDIS_URL") or None,
            public_cache_seconds=_env_int("PUBLIC_CACHE_SECONDS", 60),
            max_content_length=_env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        )
        for key, value in overrides.items():
            if not hasattr(config, key):
                raise TypeError(f"unknown setting {key!r}")
            setattr(config, key, value)
        if isinstance(config.data_dir, str):
            config.data_dir = Path(config.data_dir)
        if not config.database_url:
            config.database_url = f"sqlite:///{config.data_dir / 'c800.sqlite3'}"
        return config
