"""Google Drive's warning page: for a file it cannot scan for viruses, Drive answers a download URL
with an HTML page whose "Download anyway" form leads to the file. We read that form (its action
and hidden inputs) and fetch the confirmed URL, as gdown does: with GET, which Drive accepts for
both of its page layouts (the older `downloadForm` that carries confirm/uuid in its action, the
newer `download-form` that carries them as hidden inputs)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .formats import HTML_STARTS

FORM_IDS = {"downloadForm", "download-form"}
MAX_PAGE = 1 << 20  # a warning page is a few KiB; anything larger is not one


class DriveError(ValueError):
    """Google Drive answered with a page that leads to no file."""


class _FormReader(HTMLParser):
    """Collect each form's attributes and its hidden inputs, and the page title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.title, self._in_title, self._form = "", False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "inputs": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("type") == "hidden":
            if attrs.get("name"):
                self._form["inputs"].append((attrs["name"], attrs.get("value") or ""))
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def confirmed_url(page: str, page_url: str) -> str | None:
    """The URL behind the "Download anyway" form of a Drive answer `page` (fetched from
    `page_url`, against which a relative action is resolved); None when `page` is no Drive page.
    Raises DriveError for a Drive page without a download form (quota exceeded, not shared...)."""
    reader = _FormReader()
    reader.feed(page)
    reader.close()
    form = next((f for f in reader.forms if f["attrs"].get("id") in FORM_IDS), None)
    if form is None:
        if "Google Drive" in reader.title or "drive.google.com" in page:
            title = reader.title.strip() or "no title"
            raise DriveError(f"Google Drive answered {page_url} with a page ({title!r}) that has "
                             "no download form: the file may be over its download quota or not "
                             "shared; open the URL in a browser and place the file by hand")
        return None
    action = urljoin(page_url, form["attrs"].get("action") or page_url)
    parts = urlsplit(action)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(form["inputs"])  # the hidden inputs win over the same names in the action
    return urlunsplit(parts._replace(query=urlencode(query)))


def confirmation_of(path: Path, url: str) -> str | None:
    """If the download `path` of `url` is a Drive warning page, the URL that confirms it."""
    if path.stat().st_size > MAX_PAGE:
        return None
    data = path.read_bytes()
    if not data.lstrip()[:512].lower().startswith(HTML_STARTS):
        return None
    return confirmed_url(data.decode("utf-8", errors="replace"), url)
