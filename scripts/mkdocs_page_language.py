"""MkDocs hook: a page in another language says so in its ``<html lang>``.

The theme writes the site's language into every page; the Chinese tutorial
(``tutorial.zh.md``) is Chinese, so screen readers, fonts and browsers' translation offers
should know. A page names its language by its file name (``<name>.<lang>.md``)."""

from __future__ import annotations

import re
from typing import Any

_SUFFIX = re.compile(r"\.([a-z]{2}(?:-[A-Za-z]{2,4})?)\.md$")


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Set ``<html lang>`` from the page's file name, where it names a language."""
    found = _SUFFIX.search(page.file.src_uri)
    if not found:
        return output
    return re.sub(r'<html lang="[^"]*"', f'<html lang="{found.group(1)}"', output, count=1)
