"""The URL fetcher of PDF rendering (imports WeasyPrint; loaded by registry.pdf when rendering)."""

import mimetypes
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from registry.pdf import RefusedURL

# -- the URL fetcher -----------------------------------------------------------------------------


class StaticOnlyFetcher(URLFetcher):
    """Serves files under the static root and refuses everything else: other file:// paths
    (including `..` and symlink escapes), http(s) and every other scheme, data: URLs, redirects."""

    def __init__(self, static_root: str | os.PathLike[str]):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.static_root = Path(static_root).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None):
        path = self.resolve(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"refused: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": content_type + ("; charset=utf-8" if content_type == "text/css" else "")}
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers)

    def resolve(self, url: str) -> Path | None:
        """The real path of an allowed static file, or None."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        real = Path(os.path.realpath(unquote(parts.path)))
        if not real.is_relative_to(self.static_root) or not real.is_file():
            return None
        return real
