"""``agent ingest https://…``: a page, PDF or Word file fetched over HTTP(S) with httpx.

Limits: connect and read timeouts, at most :data:`MAX_REDIRECTS` redirects, the body
read in pieces and abandoned past ``max_bytes`` (a 2 GB body is never held), and only
content types the readers know. Each failure is one ``InputError`` line.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from agent.core.errors import InputError, one_line
from agent.ingest.loading import format_size

MAX_REDIRECTS = 5
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
USER_AGENT = "zhijiao-agent (+https://github.com/) httpx"
#: Content type → the suffix whose reader takes it.
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    suffix: str


def fetch(url: str, *, max_bytes: int, timeout_s: float | None = None) -> Fetched:
    timeout_s = timeout_s or READ_TIMEOUT_S
    timeout = httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout,
                          headers={"User-Agent": USER_AGENT}) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise InputError(f"{url}: HTTP {response.status_code} "
                                 f"{response.reason_phrase}".rstrip())
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            suffix = CONTENT_TYPES.get(kind)
            if suffix is None:
                raise InputError(f"{url}: content type {kind or 'not given'} is not a web page, "
                                 "PDF, Word or text file")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{url}: {format_size(int(declared))} is above the limit of "
                                 f"{format_size(max_bytes)} (max_file_mb)")
            body = bytearray()
            for piece in response.iter_bytes():
                body += piece
                if len(body) > max_bytes:
                    raise InputError(f"{url}: body above the limit of {format_size(max_bytes)} "
                                     "(max_file_mb); stopped reading")
            final = str(response.url)
    except InputError:
        raise
    except httpx.TimeoutException as exc:
        raise InputError(f"{url}: no answer within {timeout_s:g}s ({type(exc).__name__})") \
            from exc
    except httpx.TooManyRedirects as exc:
        raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects") from exc
    except httpx.InvalidURL as exc:
        raise InputError(f"{url}: not a valid URL ({exc})") from exc
    except httpx.HTTPError as exc:
        raise InputError(f"{url}: cannot fetch ({one_line(exc)})") from exc
    if not body:
        raise InputError(f"{url}: empty response")
    return Fetched(final, bytes(body), suffix)
