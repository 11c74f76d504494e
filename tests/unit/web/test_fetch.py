"""The SSRF suite against real listeners on loopback: a refused address, spelling, name,
redirect or size reaches nothing (the listener records no connection, no socket is opened)
and says why; an allowlisted host is fetched, its redirects followed and checked, its HTML and
PDFs read as text."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import subprocess
import time

import pytest

from assistant.web.fetch import FetchLimits, PageFetcher
from assistant.web.pages import page_from
from tests.file_samples import pdf_with_text
from tests.unit.web.pages_server import PagesServer

ARTICLE = (
    "<html><head><title>Leave policy</title></head><body><nav>Home | About</nav>"
    "<article><h1>Leave policy</h1><p>Everyone gets 25 days of paid leave a year, "
    "and unused days carry over until March.</p></article></body></html>"
)


@pytest.fixture
def sockets(monkeypatch):
    """Every socket the fetcher opens (each still opened, to the address asked)."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return opened


def resolver(names: dict[str, list[str]], calls: list[str] | None = None):
    def resolve(host: str, port: int):
        if calls is not None:
            calls.append(host)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "no such name")
        return [ipaddress.ip_address(address) for address in names[host]]

    return resolve


@pytest.mark.parametrize(
    "spelling",
    ["127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1", "localhost",
     "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[2002:7f00:1::]"],
)  # fmt: skip
def test_loopback_in_any_spelling_reaches_no_listener(pages, sockets, spelling):
    pages.html("/", ARTICLE)
    fetched = PageFetcher().fetch(f"http://{spelling}:{pages.port}/")
    assert fetched.problem.startswith("I may not read")
    assert "this machine" in fetched.problem or "internal name" in fetched.problem
    assert pages.connections == 0 and sockets == []


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1",
     "0.0.0.0", "240.0.0.1", "fc00::1", "fd00::1", "fe80::1", "ff02::1", "::ffff:10.0.0.1",
     "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe"],
)  # fmt: skip
def test_a_name_resolving_to_any_refused_range_opens_no_socket(sockets, address):
    fetcher = PageFetcher(resolve=resolver({"innocent.example": [address]}))
    fetched = fetcher.fetch("http://innocent.example/")
    assert fetched.problem.startswith("I may not read http://innocent.example/: innocent.example")
    assert sockets == []


def test_a_name_resolving_to_loopback_reaches_no_listener(pages, sockets):
    fetcher = PageFetcher(resolve=resolver({"evil.example": ["127.0.0.1"]}))
    fetched = fetcher.fetch(f"http://evil.example:{pages.port}/")
    assert "points to this machine (127.0.0.1)" in fetched.problem
    assert pages.connections == 0 and sockets == []


def test_one_private_answer_among_public_ones_refuses_the_name(sockets):
    fetcher = PageFetcher(resolve=resolver({"mixed.example": ["93.184.215.14", "10.1.2.3"]}))
    assert "private address (10.1.2.3)" in fetcher.fetch("http://mixed.example/").problem
    assert sockets == []


def test_the_metadata_server_is_refused_by_name_and_by_address(sockets):
    metadata = resolver({"metadata.google.internal": ["169.254.169.254"]})
    fetcher = PageFetcher(resolve=metadata)
    for url in ("http://metadata.google.internal/computeMetadata/v1/",
                "http://169.254.169.254/computeMetadata/v1/"):  # fmt: skip
        assert fetcher.fetch(url).problem.startswith("I may not read")
    assert sockets == []


def allowed_fetcher(pages, *, calls=None, **limits):
    names = {"pages.test": ["127.0.0.1"], "sneaky.test": ["127.0.0.1"], "tenth.test": ["10.0.0.9"]}
    return PageFetcher(resolve=resolver(names, calls), limits=FetchLimits(**limits))


def test_a_redirect_into_a_private_address_is_refused_before_it_is_followed(pages, other, sockets):
    pages.redirect("/one", "/two")
    pages.redirect("/two", other.url("/secret"))  # 127.0.0.1: not on the allowlist
    pages.redirect("/meta", "http://169.254.169.254/computeMetadata/v1/")
    pages.redirect("/named", f"http://sneaky.test:{other.port}/")  # a name for loopback
    pages.redirect("/ten", "http://tenth.test/")
    fetcher = allowed_fetcher(pages)
    base = f"http://pages.test:{pages.port}"

    refusals = {
        "/one": "this machine (127.0.0.1)",
        "/meta": "link-local",
        "/named": "this machine",
        "/ten": "private address (10.0.0.9)",
    }
    for path, why in refusals.items():
        fetched = fetcher.fetch(base + path, allowed_hosts=["pages.test"])
        assert fetched.problem.startswith("I may not read") and why in fetched.problem, path
    assert other.connections == 0
    assert {host for host, _ in sockets} == {"127.0.0.1"}  # only the allowed host's
    assert [path for path, _ in pages.requests] == ["/one", "/two", "/meta", "/named", "/ten"]


def test_more_than_three_redirects_are_not_followed(pages):
    for hop in range(5):
        pages.redirect(f"/{hop}", f"/{hop + 1}")
    pages.html("/5", ARTICLE)
    fetched = allowed_fetcher(pages).fetch(pages.url("/0"), allowed_hosts=["127.0.0.1"])
    assert fetched.problem.endswith("redirects more than 3 times.")
    assert len(pages.requests) == 4


def test_an_allowlisted_host_is_read_by_name_at_the_address_checked(pages, sockets):
    pages.redirect("/old", "/leave", status=301)
    pages.html("/leave", ARTICLE)
    calls: list[str] = []
    fetched = allowed_fetcher(pages, calls=calls).fetch(
        f"http://pages.test:{pages.port}/old", allowed_hosts=["pages.test"]
    )
    page = page_from(fetched)
    assert page.problem == "" and page.url == f"http://pages.test:{pages.port}/leave"
    assert "25 days of paid leave" in page.text and page.title == "Leave policy"
    # The name stays in the Host header; the socket went to the address resolved, once a hop.
    assert [host for _, host in pages.requests] == [f"pages.test:{pages.port}"] * 2
    assert sockets == [("127.0.0.1", pages.port)] * 2 and calls == ["pages.test"] * 2


def test_a_pdf_is_read_through_the_files_extraction(pages):
    pages.routes["/policy.pdf"] = (
        200, {"Content-Type": "application/pdf"}, pdf_with_text("Remote work needs a form.")
    )  # fmt: skip
    page = page_from(
        allowed_fetcher(pages).fetch(pages.url("/policy.pdf"), allowed_hosts=["127.0.0.1"])
    )
    assert "Remote work needs a form." in page.text and page.title == "PDF, 1 pages"


def test_a_response_larger_than_the_limit_is_not_read(pages):
    pages.routes["/declared"] = (200, {"Content-Type": "text/html"}, b"x" * 5_000)
    pages.routes["/streamed"] = (
        200, {"Content-Type": "text/html"}, lambda: iter([b"y" * 1_000] * 1_000)
    )  # fmt: skip
    fetcher = allowed_fetcher(pages, max_bytes=4_096)
    for path in ("/declared", "/streamed"):
        fetched = fetcher.fetch(pages.url(path), allowed_hosts=["127.0.0.1"])
        assert fetched.problem.endswith("is larger than 4 KB, more than I read.")
        assert fetched.body == b""


def test_a_page_that_takes_too_long_gives_up_within_the_limit(pages):
    pages.html("/slow", ARTICLE)
    pages.delay = 3.0
    started = time.monotonic()
    fetched = allowed_fetcher(pages, seconds=0.5).fetch(
        pages.url("/slow"), allowed_hosts=["127.0.0.1"]
    )
    assert fetched.problem.endswith("took too long to answer.")
    assert time.monotonic() - started < 2.0


def test_an_error_status_and_an_unknown_host_say_so(pages):
    fetcher = allowed_fetcher(pages)
    missing = fetcher.fetch(pages.url("/nothing"), allowed_hosts=["127.0.0.1"])
    assert missing.problem.endswith("answered HTTP 404 Not Found.")
    assert fetcher.fetch("http://nowhere.example/").problem == (
        "I could not find the host nowhere.example."
    )


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for the name `pages.test` (openssl, as Debian ships it)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=pages.test", "-addext",
         "subjectAltName=DNS:pages.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_https_names_the_host_in_sni_and_the_certificate_check_while_connecting_to_the_ip(
    certificate, sockets
):
    key, cert = certificate
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    names: list[str | None] = []
    serving.sni_callback = lambda connection, name, context: names.append(name)
    server = PagesServer(tls=serving)
    try:
        server.html("/leave", ARTICLE)
        trusting = ssl.create_default_context(cafile=str(cert))
        fetcher = PageFetcher(resolve=resolver({"pages.test": ["127.0.0.1"]}),
                              ssl_context=trusting)  # fmt: skip
        page = page_from(
            fetcher.fetch(f"https://pages.test:{server.port}/leave", allowed_hosts=["pages.test"])
        )
        assert "25 days" in page.text and names == ["pages.test"]
        assert sockets == [("127.0.0.1", server.port)]
        assert server.requests == [("/leave", f"pages.test:{server.port}")]
        # The certificate is still checked: by address, the name does not match it.
        by_address = fetcher.fetch(server.url("/leave").replace("http:", "https:"),
                                   allowed_hosts=["127.0.0.1"])  # fmt: skip
        assert by_address.problem.startswith("I could not connect to")
        assert "SSLCertVerificationError" in by_address.problem
    finally:
        server.close()


def test_a_compressed_page_is_inflated_and_a_compression_bomb_is_not(pages):
    pages.routes["/gz"] = (
        200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
        gzip.compress(ARTICLE.encode()),
    )  # fmt: skip
    bomb = gzip.compress(b"\0" * 20_000_000)  # 20 MB of zeros in about 20 KB
    pages.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    pages.routes["/br"] = (200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"??")
    fetcher = allowed_fetcher(pages)

    page = page_from(fetcher.fetch(pages.url("/gz"), allowed_hosts=["127.0.0.1"]))
    assert "25 days of paid leave" in page.text
    exploded = fetcher.fetch(pages.url("/bomb"), allowed_hosts=["127.0.0.1"])
    assert len(bomb) < 100_000 and exploded.problem.endswith(
        "is larger than 3 MB, more than I read."
    )
    unknown = fetcher.fetch(pages.url("/br"), allowed_hosts=["127.0.0.1"])
    assert unknown.problem.endswith("came in an encoding I cannot read (br).")
