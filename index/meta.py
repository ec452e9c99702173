"""Who published an article and when: the byline fields a file carries, read into ArticleMeta.

Dates are parsed by python-dateutil (structured dates: ISO, "March 3, 2024", "2024/03/03") with
dateparser behind it (other languages, "3 days ago"); no hand-written date patterns. A field a
file does not carry stays empty: nothing is guessed from the article text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

EARLIEST = dt.date(1800, 1, 1)  # an older "date" in metadata is a placeholder, not a publication date


@dataclass(frozen=True)
class ArticleMeta:
    title: str | None = None
    outlet: str = ""
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    url: str = ""

    def merged(self, other: "ArticleMeta") -> "ArticleMeta":
        """These fields, each empty one filled from other."""
        return replace(
            self,
            title=self.title or other.title,
            outlet=self.outlet or other.outlet,
            authors=self.authors or other.authors,
            published=self.published or other.published,
            url=self.url or other.url,
        )

    def filled(self) -> "ArticleMeta":
        """The outlet from the URL's host when nothing names it (readers know a site by its host)."""
        return replace(self, outlet=self.outlet or outlet_from_url(self.url))


def parse_date(value, today: dt.date | None = None) -> dt.date | None:
    """A publication date from metadata (a date, a datetime or a string); None when it is not one.
    A date more than a day after today is a typo or a placeholder, not a publication date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        day = _parse_text(str(value).strip())
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    return day if day is not None and EARLIEST <= day <= latest else None


def _parse_text(text: str) -> dt.date | None:
    if not text or len(text) > 80:
        return None
    from dateutil import parser as dateutil_parser

    try:
        # PDF dates ("D:20240503101500+02'00") are ISO-like once their prefix is gone
        return dateutil_parser.isoparse(text.removeprefix("D:")[:8] if text.startswith("D:") else text).date()
    except (ValueError, OverflowError):
        pass
    try:
        # a bare "2024" must not become today's month and day: parse against a default of January 1
        return dateutil_parser.parse(text, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        pass
    import dateparser

    parsed = dateparser.parse(text, settings={"PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False})
    return parsed.date() if parsed else None


def parse_when(text: str, today: dt.date | None = None) -> dt.date:
    """A date the user typed (--since, --until, --as-of): "2024-05-02", "May 2, 2024", "yesterday",
    "3 weeks ago". ValueError with the text when it is not a date."""
    import dateparser

    base = dt.datetime.combine(today or dt.date.today(), dt.time(12))
    text = " ".join(str(text).split())
    day = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # ISO: exact, whatever the locale
        day = dt.date.fromisoformat(text)
    else:
        parsed = dateparser.parse(text, settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                                  "PREFER_DAY_OF_MONTH": "first"})  # fmt: skip
        day = parsed.date() if parsed else None
    if day is None:
        raise ValueError(f"{text!r} is not a date")
    return day


def outlet_from_url(url: str) -> str:
    """The site's host without "www.": "https://www.usatoday.com/story/..." -> "usatoday.com"."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def split_authors(value) -> tuple[str, ...]:
    """Authors from a list, or from a string "A; B", "A, B and C", "By A and B"."""
    if not value:
        return ()
    items = value if isinstance(value, (list, tuple)) else re.split(r";|,|\band\b|&|\|", str(value))
    out = []
    for item in items:
        name = " ".join(str(item).split()).strip(" .")
        name = re.sub(r"^by\s+", "", name, flags=re.I)
        if name and name not in out and len(name) <= 100:
            out.append(name)
    return tuple(out)


# Keys a header block, front matter or a JSON Lines record may use for each field (lower case)
KEYS = {
    "title": ("title", "headline"),
    "outlet": ("source", "outlet", "publisher", "site", "site_name", "sitename", "publication", "newspaper"),
    "authors": ("authors", "author", "by", "byline", "creator"),
    "published": ("published", "date", "publish_date", "published_at", "publication_date", "pubdate",
                  "date_published", "datepublished", "created"),
    "url": ("url", "link", "canonical_url", "source_url", "href"),
}  # fmt: skip
_FIELD_OF = {key: name for name, keys in KEYS.items() for key in keys}


def from_mapping(values: dict) -> ArticleMeta:
    """ArticleMeta from a mapping with any of the KEYS (front matter, a JSON Lines record, a header block)."""
    found: dict = {}
    for key, value in values.items():
        name = _FIELD_OF.get(str(key).strip().lower().replace("-", "_").replace(" ", "_"))
        if name is None or name in found or value in (None, "", [], ()):
            continue
        if name == "authors":
            found[name] = split_authors(value)
        elif name == "published":
            found[name] = parse_date(value)
        elif isinstance(value, dict):  # publisher: {name: ...} (schema.org style)
            found[name] = str(value.get("name", "")).strip()
        else:
            found[name] = " ".join(str(value).split())
    return ArticleMeta(**{k: v for k, v in found.items() if v})


# A plain-text header block: "Key: value" lines at the very top, then a blank line
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,20}):[ \t]*(.*?)[ \t]*$")
HEADER_KEYS = ("title", "source", "outlet", "author", "authors", "by", "date", "published", "url")


def text_header(raw: str) -> tuple[str, ArticleMeta]:
    """Split an optional header block off a text file: lines like "Title: ...", "Source: Reuters",
    "Authors: A; B", "Date: 2024-05-02", "URL: https://..." at the top, ended by a blank line.
    Every line of the block must be such a line (with one of HEADER_KEYS); otherwise the text is
    an article that happens to start with a colon, and is returned whole."""
    lines = raw.lstrip("\ufeff").split("\n")
    values = {}
    for i, line in enumerate(lines):
        if not line.strip():
            if not values:
                return raw, ArticleMeta()
            return "\n".join(lines[i + 1 :]), from_mapping(values)
        m = _HEADER_LINE.match(line.rstrip("\r"))
        if not m or m.group(1).strip().lower() not in HEADER_KEYS:
            return raw, ArticleMeta()
        values.setdefault(m.group(1).strip().lower(), m.group(2))
    return raw, ArticleMeta()  # no blank line after it: the whole file would be a header, not an article


def header_block(meta: ArticleMeta) -> str:
    """The header block text_header reads, for meta (how a JSON Lines record is stored as a .txt)."""
    rows = [("Title", meta.title or ""), ("Source", meta.outlet), ("Authors", "; ".join(meta.authors)),
            ("Date", meta.published.isoformat() if meta.published else ""), ("URL", meta.url)]  # fmt: skip
    return "".join(f"{k}: {' '.join(v.split())}\n" for k, v in rows if v) + "\n"
