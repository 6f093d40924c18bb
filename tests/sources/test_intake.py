"""Taking in a document: pasted, uploaded, or fetched from a real local server."""

import contextlib
import datetime
import io
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.utils import timezone

from common.dates import DatePrecision
from sources import intake
from sources.choices import TextFormat
from sources.factories import SourceFactory
from sources.intake import DocumentMetadata, IntakeError
from sources.services import source_text_add

TITLE = "Drones for the Sahel: Ankara signs with Niamey"
PARAGRAPHS = [
    "Niger has signed a contract for six Bayraktar TB2 unmanned aerial vehicles with the "
    "Turkish manufacturer Baykar, according to officials in Niamey who spoke on condition "
    "of anonymity.",
    "The agreement, worth an undisclosed sum, includes ground control stations, training for "
    "twenty operators and an initial stock of MAM-L guided munitions, the officials said on "
    "Wednesday.",
    "Deliveries are expected to begin before the end of the year. Niger already operates a "
    "small number of the aircraft, delivered in 2022, and has used them against armed groups "
    "near the borders with Mali and Burkina Faso.",
    "Turkey's defence industry agency declined to comment on the contract. Baykar does not "
    "publish its export figures, but analysts estimate that the TB2 has been sold to more "
    "than thirty countries since 2018.",
    "“The Sahel has become one of the most important markets for Turkish drones,” said a "
    "researcher at a European institute who follows the region’s arms imports.",
]
FURNITURE = [
    "Subscribe today",
    "Analysis",
    "Advertisement",
    "premium defence newsletter",
    "Related articles",
    "Mali receives helicopters from Moscow",
    "Burkina Faso orders armoured vehicles",
    "Share on",
    "All rights reserved",
    "Privacy policy",
    "Accept cookies",
]
CANONICAL = "https://ledger.example.org/2024/03/drones-sahel"

# A news page as a browser saves it: menus, an ad, a share bar, related links,
# a cookie notice and a footer around the one article.
PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{TITLE} | The Defence Ledger</title>
<meta name="author" content="Amina Diallo; Kerem Yılmaz">
<meta property="og:title" content="{TITLE}">
<meta property="og:site_name" content="The Defence Ledger">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-03-14T08:30:00+00:00">
<link rel="canonical" href="{CANONICAL}">
</head>
<body>
<div class="cookie-banner">We use cookies. <button>Accept cookies</button></div>
<header class="site-header">
  <a class="logo" href="/">The Defence Ledger</a>
  <nav class="main-nav">
    <ul>
      <li><a href="/news">News</a></li>
      <li><a href="/analysis">Analysis</a></li>
      <li><a href="/subscribe">Subscribe today</a></li>
    </ul>
  </nav>
</header>
<div class="ad-banner">Advertisement: buy our premium defence newsletter now</div>
<main>
<article>
  <h1>{TITLE}</h1>
  <p class="byline">By Amina Diallo and Kerem Yılmaz</p>
  <time datetime="2024-03-14">14 March 2024</time>
  {"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
  <div class="share"><a href="#">Share on X</a> <a href="#">Share on Facebook</a></div>
</article>
<aside class="related">
  <h2>Related articles</h2>
  <ul>
    <li><a href="/2024/02/mali-helicopters">Mali receives helicopters from Moscow</a></li>
    <li><a href="/2024/01/burkina-armoured">Burkina Faso orders armoured vehicles</a></li>
  </ul>
</aside>
</main>
<footer class="site-footer">
  <p>© 2024 The Defence Ledger. All rights reserved.</p>
  <p><a href="/privacy">Privacy policy</a> · <a href="/contact">Contact us</a></p>
</footer>
</body>
</html>
"""
PAGE_METADATA = DocumentMetadata(
    title=TITLE,
    authors=("Amina Diallo", "Kerem Yılmaz"),
    date=datetime.date(2024, 3, 14),
    date_precision=DatePrecision.DAY,
    site="The Defence Ledger",
    url=CANONICAL,
    language="en",
)
# Characters a careless intake would change: indentation, tabs, trailing
# spaces, typographic quotes and dashes, Markdown's line-break spaces.
MARKDOWN = "# Shipment  \n\n  Indented\ttext — “quoted” *emphasis*  \n- item\n\n\n"
# A word in windows-1252 that is not in latin-1 (the curly apostrophe, 0x92).
WINDOWS_1252_PAGE = (
    PAGE.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    .replace("Yılmaz", "Yilmaz")
    .replace("Niger has signed", "Niger’s café has signed")
    .encode("cp1252")
)


def assert_is_the_page(received):
    assert received.text.split("\n\n") == [TITLE, *PARAGRAPHS]
    for furniture in FURNITURE:
        assert furniture not in received.text


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- pasted -----------------------------------------------------------------------


def test_a_pasted_text_keeps_every_character_but_its_line_breaks():
    received = intake.from_paste("A\r\n  b\t“c” — d  \re\n")

    assert received.text == "A\n  b\t“c” — d  \ne\n"
    assert (received.format, received.origin, received.retrieved_from) == ("text", "pasted", "")
    assert received.received == ""
    assert received.metadata == DocumentMetadata()
    assert timezone.is_aware(received.retrieved_at)
    assert abs(timezone.now() - received.retrieved_at) < datetime.timedelta(seconds=5)


def test_pasted_markdown_is_stored_as_written():
    received = intake.from_paste(MARKDOWN, format="markdown")

    assert (received.text, received.format) == (MARKDOWN, TextFormat.MARKDOWN)


def test_a_pasted_page_source_is_extracted():
    received = intake.from_paste(PAGE, format="html")

    assert_is_the_page(received)
    assert (received.format, received.origin, received.received) == ("html", "pasted", PAGE)


def test_a_pasted_byte_order_mark_is_dropped():
    assert intake.from_paste("\ufeffText").text == "Text"


def test_an_unknown_paste_format_is_refused_naming_the_accepted_ones():
    with pytest.raises(IntakeError, match="text, markdown, html"):
        intake.from_paste("Text", format="pdf")


@pytest.mark.parametrize("text", ["", "   ", "\r\n\t \n"])
def test_an_empty_paste_is_refused(text):
    with pytest.raises(IntakeError, match="empty"):
        intake.from_paste(text)


def test_a_paste_over_the_maximum_size_is_refused_counting_bytes(settings):
    settings.DOCUMENT_MAX_BYTES = 10
    assert intake.from_paste("é" * 5).text == "é" * 5  # 10 bytes in UTF-8

    with pytest.raises(IntakeError, match="10 bytes"):
        intake.from_paste("é" * 6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("one\ntwo\x00three", "NUL characters .*line 2"),
        ("one\n\ntwo\x0cthree", "U\\+000C.* line 3"),
        ("a lone surrogate \ud800", "U\\+D800"),
    ],
)
def test_a_paste_with_a_character_no_text_may_hold_is_refused_saying_where(text, message):
    with pytest.raises(IntakeError, match=message):
        intake.from_paste(text)


# --- uploaded ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "format"),
    [
        ("report.txt", "text"),
        ("REPORT.TXT", "text"),
        ("notes.md", "markdown"),
        ("notes.markdown", "markdown"),
    ],
)
def test_an_uploaded_text_file_is_taken_as_it_is(name, format):
    received = intake.from_upload(upload(name, MARKDOWN.encode()))

    assert (received.text, received.format) == (MARKDOWN, format)
    assert (received.origin, received.retrieved_from, received.received) == ("uploaded", name, "")


@pytest.mark.parametrize("name", ["page.html", "page.htm"])
def test_an_uploaded_page_gives_its_main_text_and_metadata(name):
    received = intake.from_upload(upload(name, PAGE.encode()))

    assert_is_the_page(received)
    assert received.metadata == PAGE_METADATA
    assert (received.format, received.origin) == ("html", "uploaded")
    assert (received.received, received.retrieved_from) == (PAGE, name)


def test_an_uploaded_byte_order_mark_is_dropped():
    assert intake.from_upload(upload("a.txt", b"\xef\xbb\xbfText")).text == "Text"
    assert intake.from_upload(upload("a.html", b"\xef\xbb\xbf" + PAGE.encode())).received == PAGE


def test_uploaded_crlf_and_cr_line_breaks_become_lf():
    received = intake.from_upload(upload("a.txt", b"one\r\ntwo\rthree\n"))

    assert received.text == "one\ntwo\nthree\n"


def test_an_uploaded_text_that_is_not_utf8_is_refused():
    with pytest.raises(IntakeError, match="not UTF-8"):
        intake.from_upload(upload("a.txt", "café".encode("latin-1")))


def test_an_uploaded_page_is_read_in_the_charset_it_declares():
    received = intake.from_upload(upload("page.html", WINDOWS_1252_PAGE))

    assert "Niger’s café has signed" in received.text
    assert received.received == WINDOWS_1252_PAGE.decode("cp1252")


def test_an_uploaded_page_that_declares_no_charset_has_it_detected():
    russian = "Россия поставила Индии зенитные ракетные комплексы С-400 в прошлом году."
    paragraphs = f"<p>{russian}</p>" * 6
    page = f"<html><body><article><h1>Поставки</h1>{paragraphs}</article></body></html>"

    received = intake.from_upload(upload("page.html", page.encode("cp1251")))

    assert russian in received.text


@pytest.mark.parametrize("content", [b"", b" \n\r\n "])
def test_an_empty_upload_is_refused(content):
    with pytest.raises(IntakeError, match="empty"):
        intake.from_upload(upload("a.txt", content))


def test_an_upload_with_nul_bytes_is_refused():
    with pytest.raises(IntakeError, match="NUL"):
        intake.from_upload(upload("a.txt", b"PK\x03\x04\x00\x00"))


def test_an_upload_over_the_maximum_size_is_refused(settings):
    settings.DOCUMENT_MAX_BYTES = 100
    assert intake.from_upload(upload("a.txt", b"x" * 100)).text == "x" * 100

    with pytest.raises(IntakeError, match="101 bytes.*100 bytes"):
        intake.from_upload(upload("a.txt", b"x" * 101))


def test_an_upload_is_measured_as_it_is_read_not_as_it_claims(settings):
    settings.DOCUMENT_MAX_BYTES = 100
    claims_one_byte = InMemoryUploadedFile(
        io.BytesIO(b"x" * 1000), None, "a.txt", "text/plain", size=1, charset=None
    )

    with pytest.raises(IntakeError, match="the most this server takes"):
        intake.from_upload(claims_one_byte)


@pytest.mark.parametrize("name", ["scan.pdf", "page.docx", "README"])
def test_an_upload_of_an_unknown_kind_is_refused_naming_the_accepted_ones(name):
    with pytest.raises(IntakeError, match=r"\.txt, \.md, \.markdown, \.html, \.htm"):
        intake.from_upload(upload(name, b"Text"))


def test_a_page_without_an_article_is_refused():
    menu_only = b"<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>"

    with pytest.raises(IntakeError, match="No article text could be found"):
        intake.from_upload(upload("page.html", menu_only))


@pytest.mark.django_db
def test_what_is_received_is_stored_as_a_version_of_the_source_text():
    received = intake.from_upload(upload("page.html", PAGE.encode()))

    version, created = source_text_add(
        SourceFactory(),
        received.text,
        format=received.format,
        received=received.received,
        origin=received.origin,
        retrieved_from=received.retrieved_from,
        retrieved_at=received.retrieved_at,
    )

    version.refresh_from_db()
    assert created
    assert (version.text, version.format, version.origin) == (received.text, "html", "uploaded")
    assert version.received == PAGE


# --- fetched ----------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Serves `self.server.routes`: path -> (status, headers, body or a callable
    that writes the body itself)."""

    def do_GET(self):
        self.server.hits.append(self.path)
        status, headers, body = self.server.routes.get(self.path, (404, {}, b"Not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value.format(port=self.server.server_port))
        self.end_headers()
        # A test's client may give up on purpose before the body is sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            body(self.wfile) if callable(body) else self.wfile.write(body)

    def log_message(self, *args):
        pass


def slow(wfile):
    time.sleep(2)
    wfile.write(b"Too late")


def trickle(wfile):
    for _ in range(60):
        wfile.write(b"x" * 10)
        wfile.flush()
        time.sleep(0.05)


ROUTES = {
    "/article.html": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode()),
    "/report.txt": (200, {"Content-Type": "text/plain; charset=utf-8"}, b"One\r\nTwo\n"),
    "/notes.md": (200, {"Content-Type": "text/markdown"}, MARKDOWN.encode()),
    "/latin1.txt": (200, {"Content-Type": "text/plain; charset=iso-8859-1"}, b"caf\xe9 \x92"),
    "/cp1252.html": (200, {"Content-Type": "text/html; charset=windows-1252"}, WINDOWS_1252_PAGE),
    "/scan.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7"),
    "/moved": (301, {"Location": "/article.html"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
    "/to-other-host": (302, {"Location": "http://127.0.0.2:{port}/article.html"}, b""),
    "/huge": (200, {"Content-Type": "text/plain"}, b"x" * 5000),
    "/huge-declared": (200, {"Content-Type": "text/plain", "Content-Length": "5000"}, b"x"),
    "/slow": (200, {"Content-Type": "text/plain"}, slow),
    "/trickle": (200, {"Content-Type": "text/plain"}, trickle),
}


def serve(wrap_socket=None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.routes, server.hits = ROUTES, []
    if wrap_socket:
        server.socket = wrap_socket(server.socket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def _server():
    server = serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(_server):
    _server.hits.clear()
    return _server


@pytest.fixture
def base(server):
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def allow_private(settings):
    """The test server is on 127.0.0.1, which production refuses."""
    settings.DOCUMENT_FETCH_ALLOW_PRIVATE = True


@pytest.mark.usefixtures("allow_private")
def test_a_fetched_page_gives_its_main_text_and_metadata(base):
    received = intake.from_url(f"{base}/article.html")

    assert_is_the_page(received)
    assert received.metadata == PAGE_METADATA
    assert (received.format, received.origin) == ("html", "fetched")
    assert (received.received, received.retrieved_from) == (PAGE, f"{base}/article.html")


@pytest.mark.usefixtures("allow_private")
def test_a_fetched_page_is_read_in_the_charset_the_server_declares(base):
    received = intake.from_url(f"{base}/cp1252.html")

    assert "Niger’s café has signed" in received.text


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize(
    ("path", "text", "format"),
    [
        ("/report.txt", "One\nTwo\n", "text"),
        ("/notes.md", MARKDOWN, "markdown"),
        # Labelled latin-1, read as windows-1252, as browsers do.
        ("/latin1.txt", "café ’", "text"),
    ],
)
def test_a_fetched_text_is_taken_like_an_upload(base, path, text, format):
    received = intake.from_url(base + path)

    assert (received.text, received.format, received.origin) == (text, format, "fetched")
    assert received.retrieved_from == received.metadata.url == base + path
    assert received.received == ""


@pytest.mark.usefixtures("allow_private")
def test_a_redirect_is_followed_and_the_final_url_kept(base, server):
    received = intake.from_url(f"{base}/moved")

    assert received.retrieved_from == f"{base}/article.html"
    assert server.hits == ["/moved", "/article.html"]


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "answered 404 Not Found"),
        ("/loop", "redirects more than 5 times"),
        ("/to-file", "Only http and https"),
        ("/scan.pdf", "application/pdf, not a web page"),
    ],
)
def test_a_fetch_that_does_not_end_in_a_document_is_refused(base, path, message):
    with pytest.raises(IntakeError, match=message):
        intake.from_url(base + path)


@pytest.mark.usefixtures("allow_private")
@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_a_fetched_body_over_the_maximum_size_is_refused(base, path, settings):
    settings.DOCUMENT_MAX_BYTES = 1000

    with pytest.raises(IntakeError, match="the most this server takes is 1000 bytes"):
        intake.from_url(base + path)


@pytest.mark.usefixtures("allow_private")
def test_a_server_that_does_not_answer_in_time_is_given_up(base, monkeypatch):
    monkeypatch.setattr(intake, "FETCH_TIMEOUT", 0.3)

    with pytest.raises(IntakeError, match="did not answer within"):
        intake.from_url(f"{base}/slow")


@pytest.mark.usefixtures("allow_private")
def test_a_server_that_trickles_its_body_is_given_up_at_the_deadline(base, monkeypatch):
    monkeypatch.setattr(intake, "FETCH_DEADLINE", 0.5)
    started = time.monotonic()

    with pytest.raises(IntakeError, match="took longer than"):
        intake.from_url(f"{base}/trickle")
    assert time.monotonic() - started < 2.5  # the trickle alone lasts 3 s


@pytest.mark.usefixtures("allow_private")
def test_a_server_that_cannot_be_reached_is_an_intake_error():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    with pytest.raises(IntakeError, match="could not be reached"):
        intake.from_url(f"http://127.0.0.1:{port}/")


@pytest.mark.usefixtures("allow_private")
def test_the_next_address_of_a_host_is_tried_when_one_cannot_be_reached(base, monkeypatch):
    # Nothing listens on 127.0.0.2 (the server is bound to 127.0.0.1 alone).
    addresses = ["127.0.0.2", "127.0.0.1"]
    monkeypatch.setattr(intake, "_allowed_addresses", lambda host, port: addresses)

    assert intake.from_url(f"{base}/report.txt").text == "One\nTwo\n"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_local_address_is_refused_without_a_request(host, server, settings):
    settings.DOCUMENT_FETCH_ALLOW_PRIVATE = False

    with pytest.raises(IntakeError, match="private or local network"):
        intake.from_url(f"http://{host}:{server.server_port}/article.html")
    assert server.hits == []


def test_every_redirect_hop_is_checked(base, server, settings, monkeypatch):
    # Given 127.0.0.1 taken for a public address and every other one not...
    settings.DOCUMENT_FETCH_ALLOW_PRIVATE = False
    only_the_server = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(intake, "_forbidden_address", lambda address: address != only_the_server)
    assert intake.from_url(f"{base}/moved").retrieved_from == f"{base}/article.html"

    # ...a redirect to another one is refused before it is requested.
    with pytest.raises(IntakeError, match="127.0.0.2 is on a private or local network"):
        intake.from_url(f"{base}/to-other-host")


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # the cloud metadata service
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("240.0.0.1", True),  # reserved
        ("224.0.0.1", True),  # multicast
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),  # loopback written as IPv6
        ("93.184.215.14", False),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
    ],
)
def test_only_public_unicast_addresses_may_be_fetched(address, forbidden):
    assert intake._forbidden_address(ipaddress.ip_address(address)) is forbidden


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.org/page",
        "http:///no-host",
        "http://user:secret@example.org/",
        "http://example.org:http/",
        "http://example.org/a page",
        "http://example.org/" + "a" * 1000,
        "http://" + "a" * 64 + ".example/",  # a DNS label has 63 characters at most
    ],
)
def test_a_url_the_server_may_not_fetch_is_refused(url):
    with pytest.raises(IntakeError):
        intake.from_url(url)


def test_fetching_can_be_switched_off(base, server, settings):
    settings.DOCUMENT_FETCH_ENABLED = False
    settings.DOCUMENT_FETCH_ALLOW_PRIVATE = True

    with pytest.raises(IntakeError, match="switched off"):
        intake.from_url(f"{base}/article.html")
    assert server.hits == []


# --- HTTPS: the certificate is checked for the host name, while the connection
# goes to the address that was checked.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def https_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    names_asked_for = []
    # Name-based virtual hosts pick their certificate by the name the client sends (SNI).
    context.sni_callback = lambda _socket, name, _context: names_asked_for.append(name)
    server = serve(lambda sock: context.wrap_socket(sock, server_side=True))
    server.names_asked_for = names_asked_for
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.usefixtures("allow_private")
def test_an_https_page_is_fetched_when_its_certificate_is_trusted(
    https_server, certificate, monkeypatch
):
    monkeypatch.setattr(intake.certifi, "where", lambda: str(certificate[0]))

    received = intake.from_url(f"https://localhost:{https_server.server_port}/article.html")

    assert_is_the_page(received)
    assert https_server.names_asked_for[-1] == "localhost"


@pytest.mark.usefixtures("allow_private")
def test_an_https_page_with_an_untrusted_certificate_is_refused(https_server):
    with pytest.raises(IntakeError, match="certificate could not be verified"):
        intake.from_url(f"https://localhost:{https_server.server_port}/article.html")
