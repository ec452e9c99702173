"""How a publication date is written for readers: "2 May 2024" (no month/day order to misread)."""

from __future__ import annotations

import datetime as dt


def day_text(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""
