"""The code base stays ruff-clean (the rules are in pyproject.toml); the README stays short, and
every relative link in it and in docs/ names a file and a heading that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$", re.MULTILINE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_is_at_most_20000_bytes():
    size = README.stat().st_size
    assert size <= 20_000, f"README.md is {size:,} bytes: move a chapter into docs/"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text in lower case, punctuation other than hyphens and
    underscores removed (letters of any script kept), each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """Every anchor the headings of a markdown file give, a repeated one with -1, -2, ..."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in HEADING.findall(FENCED.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def test_relative_links_name_a_file_and_a_heading_that_exist():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = INLINE_CODE.sub("", FENCED.sub("", page.read_text(encoding="utf-8")))
        for target in LINK.findall(text):
            if SCHEME.match(target):  # https:, mailto: ... are not ours to check
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / unquote(path)).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            if not file.is_file():
                broken.append(f"{where}: no file {path}")
            elif anchor and unquote(anchor) not in _anchors(file):
                broken.append(f"{where}: no heading in {file.relative_to(ROOT)} has the anchor #{anchor}")
    assert not broken, "\n".join(broken)
