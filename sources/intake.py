"""Turning what an editor gives (a paste, a file, a URL) into a text to store.

Quotes are anchored by character offsets into the stored text, so a plain or
Markdown document keeps exactly the characters it came with: only its line
breaks become "\\n" and a byte-order mark is dropped, which no reader sees. An
HTML page is not the text a reader reads; trafilatura takes its main text
(without menus, ads, "related articles" and footers) and what the page says of
itself (title, authors, date, site), which the editor confirms.

Pure of models: each function returns a `Received`, which the admin or the API
stores with `sources.services.source_text_add`. Everything an editor can get
wrong is an `IntakeError` whose message can be shown as it is (or sent as a 400).

A URL is fetched by the server, so it could be turned on the server's own
network (SSRF): every hop of a fetch is resolved, refused if any address it
resolves to is not public, and then connected to at the address that was
checked, so a name cannot resolve elsewhere between the check and the request.
"""

import codecs
import datetime
import ipaddress
import re
import socket
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import PurePath
from urllib.parse import SplitResult, urljoin, urlsplit

import certifi
import trafilatura
import urllib3
from charset_normalizer import from_bytes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from common.dates import DatePrecision
from common.validators import validate_single_line, validate_text

from .choices import TextFormat, TextOrigin

#: The largest document taken in, in bytes (as received, before any
#: extraction); the setting DOCUMENT_MAX_BYTES overrides it.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Seconds to connect, and to wait for each read, when fetching.
FETCH_TIMEOUT = 10.0
#: Seconds for a whole fetch, redirects included: a server that sends a byte
#: now and then would otherwise hold a worker for as long as it likes.
FETCH_DEADLINE = 30.0
MAX_REDIRECTS = 5
USER_AGENT = "armstransfers-intake/1.0 (an editor adding a source)"

FILE_FORMATS = {
    ".txt": TextFormat.TEXT,
    ".md": TextFormat.MARKDOWN,
    ".markdown": TextFormat.MARKDOWN,
    ".html": TextFormat.HTML,
    ".htm": TextFormat.HTML,
}
CONTENT_TYPE_FORMATS = {
    "text/html": TextFormat.HTML,
    "application/xhtml+xml": TextFormat.HTML,
    "text/plain": TextFormat.TEXT,
    "text/markdown": TextFormat.MARKDOWN,
    "text/x-markdown": TextFormat.MARKDOWN,
}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
NO_ARTICLE_TEXT = "No article text could be found in this page."

# retrieved_from is stored in a column of this length (SourceText.retrieved_from).
_MAX_URL_LENGTH = 1000
# A page declares its charset in its first bytes, before any text (HTML spec: 1024).
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_LANGUAGE = re.compile(r"([A-Za-z]{2,3})(?:[-_]|$)")
# What browsers do (WHATWG Encoding): these labels are decoded as windows-1252,
# which pages labelled latin-1 nearly always are.
_WINDOWS_1252_ALIASES = {"iso8859_1", "ascii"}


class IntakeError(ValueError):
    """What the editor gave cannot be taken in; the message says why, for them."""


@dataclass(frozen=True)
class DocumentMetadata:
    """What a document says of itself, proposed to the editor, never trusted as is."""

    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime.date | None = None
    date_precision: str = ""
    site: str = ""
    url: str = ""
    language: str = ""


@dataclass(frozen=True)
class Received:
    """A document as it will be stored: the arguments of `source_text_add`,
    and its metadata for the editor to confirm."""

    text: str
    format: str
    received: str
    origin: str
    retrieved_from: str
    retrieved_at: datetime.datetime
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)


# --- the four ways in -------------------------------------------------------------


def from_paste(text: str, *, format: str = TextFormat.TEXT) -> Received:
    """A text an editor pasted, as plain text, Markdown or the source of an HTML page."""
    if format not in TextFormat.values:
        accepted = ", ".join(TextFormat.values)
        raise IntakeError(f"Unknown format {format!r}; choose one of {accepted}.")
    _check_size(len(text.encode("utf-8", "surrogatepass")))
    # A pasted BOM is the same invisible mark a file's is; drop it likewise, so
    # the same document pasted or uploaded is the same text.
    text = text.removeprefix("\ufeff")
    if format == TextFormat.HTML:
        return from_html(text, origin=TextOrigin.PASTED)
    return _plain(text, format=format, origin=TextOrigin.PASTED)


def from_upload(uploaded_file) -> Received:
    """A .txt, .md/.markdown or saved .html/.htm file (a Django UploadedFile)."""
    name = PurePath(uploaded_file.name or "").name
    format = FILE_FORMATS.get(PurePath(name).suffix.lower())
    if format is None:
        accepted = ", ".join(FILE_FORMATS)
        raise IntakeError(f"“{name}” cannot be read: upload a file ending in {accepted}.")
    _check_single_line(name, "The file name")
    if uploaded_file.size is not None:
        _check_size(uploaded_file.size)
    data = _read_capped(uploaded_file.chunks())
    if format == TextFormat.HTML:
        return from_html(_decode_html(data), origin=TextOrigin.UPLOADED, retrieved_from=name)
    return _plain(_decode_utf8(data), format=format, origin=TextOrigin.UPLOADED, source=name)


def from_html(html: str, *, origin: str, retrieved_from: str = "", url: str = "") -> Received:
    """An HTML page: its main text (paragraphs separated by blank lines) and
    metadata by trafilatura; the page itself is kept as `received`.
    `url` is where the page lives, if known (it helps trafilatura)."""
    _check_size(len(html.encode("utf-8", "surrogatepass")))
    if "\x00" in html:
        raise IntakeError("The page contains NUL characters; it is not an HTML page.")
    text, metadata = _extract(html, url)
    return Received(
        text=_clean(text),
        format=TextFormat.HTML,
        received=html,
        origin=origin,
        retrieved_from=retrieved_from,
        retrieved_at=timezone.now(),
        metadata=metadata,
    )


def from_url(url: str) -> Received:
    """The document at an http(s) URL, fetched by the server: an HTML page as
    `from_html`, a plain or Markdown text as an upload."""
    if not getattr(settings, "DOCUMENT_FETCH_ENABLED", True):
        raise IntakeError(
            "Fetching documents from a URL is switched off on this server; "
            "save the page and upload it, or paste its text."
        )
    final_url, content_type, charset, data = _fetch(url.strip())
    format = CONTENT_TYPE_FORMATS.get(content_type)
    if format is None:
        raise IntakeError(
            f"{final_url} is {content_type or 'of no stated type'}, "
            "not a web page, a plain text or a Markdown text."
        )
    if format == TextFormat.HTML:
        html = _decode_html(data, declared=charset)
        return from_html(html, origin=TextOrigin.FETCHED, retrieved_from=final_url, url=final_url)
    text = _decode_declared(data, charset) if charset else _decode_utf8(data)
    return _plain(text, format=format, origin=TextOrigin.FETCHED, source=final_url, url=final_url)


# --- plain texts ------------------------------------------------------------------


def _plain(text: str, *, format: str, origin: str, source: str = "", url: str = "") -> Received:
    return Received(
        text=_clean(text),
        format=format,
        received="",
        origin=origin,
        retrieved_from=source,
        retrieved_at=timezone.now(),
        metadata=DocumentMetadata(url=url),
    )


def max_bytes() -> int:
    """The largest document taken in, read at each call (tests and operators change it)."""
    return getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _check_size(size: int) -> None:
    if size > max_bytes():
        raise IntakeError(
            f"The document is {_megabytes(size)}; the most this server takes is "
            f"{_megabytes(max_bytes())}."
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size} bytes"


def _read_capped(chunks) -> bytes:
    """The bytes of `chunks`, refused as soon as they pass the maximum size
    (a declared size may be wrong, or absent)."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        _check_size(len(data))
    return bytes(data)


def _clean(text: str) -> str:
    """`text` with its line breaks as "\\n" and nothing else changed, or an
    IntakeError if it is empty or holds a character no text may store."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IntakeError("The document is empty.")
    if "\x00" in text:
        line = _line_of(text, "\x00")
        raise IntakeError(
            f"The document contains NUL characters (the first on line {line}); "
            "it is probably not a text file."
        )
    try:
        validate_text(text)
    except ValidationError as exc:
        character = exc.params["character"]  # "U+000C"
        line = _line_of(text, chr(int(character[2:], 16)))
        raise IntakeError(
            f"The document contains a control character ({character}) on line {line}; "
            "only line breaks and tabs are allowed."
        ) from None
    return text


def _line_of(text: str, character: str) -> int:
    return text[: text.index(character)].count("\n") + 1


def _check_single_line(value: str, what: str) -> None:
    try:
        validate_single_line(value)
    except ValidationError:
        raise IntakeError(f"{what} contains a line break or a control character.") from None


# --- decoding ---------------------------------------------------------------------


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IntakeError(
            f"The document is not UTF-8 text (byte {exc.start} cannot be read); "
            "save it as UTF-8 and try again."
        ) from None


def _decode_declared(data: bytes, charset: str) -> str:
    """`data` in the charset a server or a page declared for it."""
    try:
        name = codecs.lookup(charset).name.replace("-", "_")
    except LookupError:
        raise IntakeError(f"The document declares an unknown character set, {charset!r}.") from None
    if name == "utf_8":
        return _decode_utf8(data)
    try:
        return data.decode("cp1252" if name in _WINDOWS_1252_ALIASES else name)
    except UnicodeDecodeError:
        raise IntakeError(
            f"The document cannot be read in the character set it declares ({charset})."
        ) from None


def _decode_html(data: bytes, *, declared: str | None = None) -> str:
    """An HTML page's bytes as text: a BOM, else the charset the server or the
    page declares, else UTF-8, else the charset detected."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_utf8(data)
    declared = declared or _meta_charset(data)
    if declared:
        try:
            return _decode_declared(data, declared)
        except IntakeError:
            pass  # Pages often lie about their charset: try what they are.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise IntakeError("The page's character set could not be recognised; save it as UTF-8.")
    return str(best)


def _meta_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:1024])
    return found.group(1).decode("ascii") if found else None


# --- HTML -------------------------------------------------------------------------


def _extract(html: str, url: str) -> tuple[str, DocumentMetadata]:
    """The page's main text and metadata, by trafilatura."""
    try:
        # Loaded here rather than by trafilatura, to read the page's language from it too.
        tree = load_html(html)
        document = tree is not None and trafilatura.bare_extraction(
            tree, url=url or None, with_metadata=True, include_comments=False
        )
    # A parser of any page on the web can fail in ways it does not document;
    # for the editor that is one thing: this page could not be read.
    except Exception:
        raise IntakeError(NO_ARTICLE_TEXT) from None
    text = _main_text(document.body) if document else ""
    if not text:
        raise IntakeError(NO_ARTICLE_TEXT)
    return text, _metadata(document, tree, url)


def _main_text(body) -> str:
    """The blocks (headings, paragraphs, lists, quotes, tables) of trafilatura's
    body, separated by a blank line: its own text output separates them by a
    single line break, which is also what a <br> inside a paragraph gives."""
    if body is None:
        return ""
    blocks = (xmltotxt(block, False).strip() for block in body)
    return "\n\n".join(block for block in blocks if block)


def _metadata(document, tree, url: str) -> DocumentMetadata:
    date = _date(document.date)
    return DocumentMetadata(
        title=_one_line(document.title),
        authors=tuple(
            name for name in (_one_line(a) for a in (document.author or "").split(";")) if name
        ),
        date=date,
        date_precision=DatePrecision.DAY if date else "",
        site=_one_line(document.sitename),
        url=_one_line(document.url) or url,
        language=_language(document.language, tree),
    )


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _date(value: str | None) -> datetime.date | None:
    """trafilatura gives a full date, YYYY-MM-DD, or none."""
    try:
        return datetime.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _language(detected: str | None, tree) -> str:
    """The ISO 639 code of the page's language: trafilatura's, if it detected
    one (it does only with its optional language identifier), else what the
    page declares (<html lang>, Content-Language, og:locale)."""
    candidates = [detected or "", tree.get("lang") or ""]
    for meta in tree.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "content-language" or (
            meta.get("property") == "og:locale"
        ):
            candidates.append(meta.get("content") or "")
    for candidate in candidates:
        found = _LANGUAGE.match(candidate.strip())
        if found:
            return found.group(1).lower()
    return ""


# --- fetching ---------------------------------------------------------------------


def _fetch(url: str) -> tuple[str, str, str | None, bytes]:
    """GET `url`, following redirects to allowed places only: (the URL read,
    its content type, its declared charset or None, its body)."""
    deadline = time.monotonic() + FETCH_DEADLINE
    for _hop in range(MAX_REDIRECTS + 1):
        parts = _check_url(url)
        if time.monotonic() > deadline:
            raise IntakeError(f"Fetching {url} took longer than {FETCH_DEADLINE:.0f} s.")
        try:
            status, headers, body = _get(parts, deadline)
        except (urllib3.exceptions.HTTPError, OSError, UnicodeError) as exc:
            raise IntakeError(f"{url} could not be fetched: {_reason(exc)}.") from None
        if status in REDIRECT_STATUSES and headers.get("Location"):
            url = urljoin(url, headers["Location"])
            continue
        if status != 200:
            raise IntakeError(f"{url} answered {status} {_status_phrase(status)}, not the page.")
        content_type, charset = _content_type(headers.get("Content-Type", ""))
        return url, content_type, charset, body
    raise IntakeError(f"The URL redirects more than {MAX_REDIRECTS} times; give the final one.")


def _check_url(url: str) -> SplitResult:
    """`url` split, if it is one the server may fetch and store as retrieved_from."""
    if len(url) > _MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise IntakeError("That is not a URL (too long, or it contains spaces).")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise IntakeError(f"Only http and https URLs can be fetched, not {url!r}.")
    if not parts.hostname:
        raise IntakeError(f"{url!r} has no host name.")
    if parts.username is not None or parts.password is not None:
        raise IntakeError("A URL with a user name or password in it cannot be fetched.")
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise IntakeError(f"{url!r} has an invalid port.") from None
    return parts


def _get(parts: SplitResult, deadline: float):
    """One GET, without following redirects, to an address of the host that
    `_allowed_addresses` checked: (status, headers, body read up to the cap)."""
    *others, last = _allowed_addresses(_ascii_host(parts), _port(parts))
    for address in others:
        try:
            return _get_from(address, parts, deadline)
        except urllib3.exceptions.ConnectTimeoutError:  # NewConnectionError is one too
            continue  # The next may answer (an IPv6 address on a server without IPv6, say).
    return _get_from(last, parts, deadline)


def _get_from(address: str, parts: SplitResult, deadline: float):
    """The GET of `_get`, connected to `address`."""
    host, port = _ascii_host(parts), _port(parts)
    timeout = urllib3.Timeout(connect=FETCH_TIMEOUT, read=FETCH_TIMEOUT)
    if parts.scheme.lower() == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            # The certificate is checked for the name asked for, not the address.
            server_hostname=host,
            assert_hostname=host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{parts.port}"
    headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html, text/*"}
    with pool:
        response = pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False)
        try:
            if response.status != 200:
                return response.status, response.headers, b""
            length = response.headers.get("Content-Length", "")
            if length.isdigit():
                _check_size(int(length))
            return response.status, response.headers, _read_until(response, deadline)
        finally:
            response.release_conn()


def _ascii_host(parts: SplitResult) -> str:
    """The host name as DNS, TLS and the Host header take it (an IDN in IDNA)."""
    try:
        return parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise IntakeError(f"{parts.hostname} is not a valid host name.") from None


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _read_until(response, deadline: float) -> bytes:
    """The body, refused past the size cap or the deadline."""

    def chunks():
        # read1 returns what has arrived; read(n) would wait for n bytes, so a
        # server sending a few at a time would never reach the deadline check.
        while chunk := response.read1(64 * 1024):
            if time.monotonic() > deadline:
                raise IntakeError(f"The server took longer than {FETCH_DEADLINE:.0f} s to send it.")
            yield chunk

    return _read_capped(chunks())


def _allowed_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`, in the resolver's order: refused
    if any is not public, unless the setting DOCUMENT_FETCH_ALLOW_PRIVATE allows it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise IntakeError(f"The host {host} could not be found.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    allow_private = getattr(settings, "DOCUMENT_FETCH_ALLOW_PRIVATE", False)
    if not allow_private and any(_forbidden_address(address) for address in addresses):
        raise IntakeError(
            f"{host} is on a private or local network; the server does not fetch from there."
        )
    return list(dict.fromkeys(str(address) for address in addresses))


def _forbidden_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, loopback, link-local, reserved, shared, multicast or unspecified:
    anything that is not a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _content_type(value: str) -> tuple[str, str | None]:
    media_type, _, params = value.partition(";")
    charset = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.I)
    return media_type.strip().lower(), charset.group(1) if charset else None


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _reason(exc: Exception) -> str:
    """Why a fetch failed, in the editor's words rather than urllib3's."""
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "the server could not be reached"
    if isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
        return f"the server did not answer within {FETCH_TIMEOUT:.0f} s"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "its HTTPS certificate could not be verified"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "the server broke off the connection"
    return "the server could not be reached"
