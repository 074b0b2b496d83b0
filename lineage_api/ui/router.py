"""The lineage page: ``GET /ui/`` (the HTML page) and ``GET /ui/static/{path}`` (its own files), both public.

The page holds no data: everything it shows comes from ``/api/v1`` with the caller's own API key, so serving it
needs no permission. Files are served from a fixed list built at import (no path from the request ever touches
the file system), with a strict Content-Security-Policy: scripts, styles and requests from this origin only.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from lineage_api.auth.principal import guard
from lineage_api.auth.roles import Permission
from lineage_api.core.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
# Cytoscape.js injects one <style> element (`.__________cytoscape_container { position: relative; }`): allowed by hash.
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {CYTOSCAPE_STYLE}",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".md": "text/plain",
}

router = APIRouter(tags=["ui"])


@dataclass(frozen=True, slots=True)
class Asset:
    path: Path
    media_type: str

    def body(self) -> bytes:
        return self.path.read_bytes()

    def etag(self, body: bytes) -> str:
        return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _assets(root: Path) -> dict[str, Asset]:
    """Every file under ``root`` by its relative POSIX path (hidden files and source maps left out)."""
    out: dict[str, Asset] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in rel.split("/")) or rel.endswith(".map"):
            continue
        media = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media.startswith("text/"):
            media += "; charset=utf-8"
        out[rel] = Asset(path, media)
    return out


ASSETS = _assets(STATIC)


def _serve(asset: Asset, if_none_match: str | None) -> Response:
    body = asset.body()
    etag = asset.etag(body)
    headers = {**HEADERS, "ETag": etag}
    if if_none_match and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=asset.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


@router.get("/ui", include_in_schema=False, **guard(Permission.PUBLIC))
def ui_redirect() -> RedirectResponse:
    """``/ui`` -> ``/ui/`` (the page's relative links resolve under ``/ui/``)."""
    return RedirectResponse(url="ui/", status_code=307)


@router.get(
    "/ui/",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The lineage page (HTML)."}},
    **guard(Permission.PUBLIC),
)
def ui_page(if_none_match: IfNoneMatch = None) -> Response:
    """The lineage page: trace, impact and PII flows drawn, with a text alternative. It calls this API with the
    API key entered on the page (none under ``--insecure-dev``)."""
    return _serve(ASSETS["index.html"], if_none_match)


@router.get(
    "/ui/static/{path:path}",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {}, "text/css": {}}, "description": "A file of the page."}},
    **guard(Permission.PUBLIC),
)
def ui_static(
    path: Annotated[str, PathParam(description="A file of the page, e.g. app.css or vendor/cytoscape.min.js.")],
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The page's scripts, styles, and vendored libraries with their licences."""
    asset = ASSETS.get(path)
    if asset is None:
        raise NotFound(f"no page file {path!r}", field="path")
    return _serve(asset, if_none_match)
