"""The SSRF policy on its own (pure): every refused range, in every spelling a URL can give
it, and the allowlist that lets a team reach one internal host."""

from __future__ import annotations

import ipaddress

import pytest

from assistant.web.addresses import address_refusal, check_url, parse_numeric_ipv4

REFUSED = {
    # loopback, in the spellings a resolver library accepts
    "http://127.0.0.1/": "this machine",
    "http://127.8.9.10/": "this machine",
    "http://2130706433/": "this machine",
    "http://0177.0.0.1/": "this machine",
    "http://0x7f.1/": "this machine",
    "http://0x7f000001/": "this machine",
    "http://127.1/": "this machine",
    "http://017700000001/": "this machine",
    "http://[::1]/": "this machine",
    "http://localhost/": "internal name",
    "http://app.localhost/": "internal name",
    # private
    "http://10.0.0.1/": "private",
    "http://012.0.0.1/": "private",  # octal 10
    "http://167772161/": "private",  # decimal 10.0.0.1
    "http://172.16.5.4/": "private",
    "http://192.168.1.1/": "private",
    "http://0xc0.0xa8.1.1/": "private",
    # link-local and the metadata server
    "http://169.254.169.254/computeMetadata/v1/": "link-local",
    "http://2852039166/": "link-local",  # 169.254.169.254
    "http://metadata.google.internal/computeMetadata/v1/": "internal name",
    "http://metadata/": "internal name",
    # carrier-grade NAT, multicast, unspecified, reserved
    "http://100.64.0.1/": "carrier-grade NAT",
    "http://100.127.255.254/": "carrier-grade NAT",
    "http://224.0.0.1/": "multicast",
    "http://239.255.255.250/": "multicast",
    "http://0.0.0.0/": "no particular address",
    "http://0/": "no particular address",
    "http://240.0.0.1/": "reserved",
    "http://255.255.255.255/": "reserved",
    "http://192.0.2.1/": "private",  # documentation range
    "http://198.18.0.1/": "private",  # benchmarking range
    # IPv6: unique-local, link-local, multicast, unspecified
    "http://[fc00::1]/": "private",
    "http://[fd12:3456::1]/": "private",
    "http://[fe80::1]/": "link-local",
    "http://[fe80::1%25eth0]/": "link-local",
    "http://[ff02::1]/": "multicast",
    "http://[::]/": "no particular address",
    # IPv4 inside IPv6: mapped, compatible, 6to4, NAT64
    "http://[::ffff:127.0.0.1]/": "this machine",
    "http://[::ffff:7f00:1]/": "this machine",
    "http://[::ffff:10.0.0.1]/": "private",
    "http://[::ffff:169.254.169.254]/": "link-local",
    "http://[::ffff:100.64.0.1]/": "carrier-grade NAT",
    "http://[::127.0.0.1]/": "this machine",
    "http://[::10.0.0.1]/": "private",
    "http://[2002:7f00:1::]/": "this machine",
    "http://[2002:a9fe:a9fe::]/": "link-local",
    "http://[64:ff9b::7f00:1]/": "this machine",
    "http://[64:ff9b::a00:1]/": "private",
}


@pytest.mark.parametrize(("url", "why"), REFUSED.items())
def test_every_internal_address_is_refused_in_every_spelling(url, why):
    target = check_url(url)
    assert why in target.refusal


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.com/x", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/", "not a valid web address"),
        ("http://intranet/", "internal name"),
    ],
)
def test_what_is_no_public_web_address_is_refused_before_any_lookup(url, why):
    assert why in check_url(url).refusal


def test_a_public_address_passes_with_its_host_port_and_path():
    target = check_url("https://Example.COM./docs/a?b=1#frag")
    assert (target.refusal, target.host, target.port, target.path) == (
        "",
        "example.com",
        443,
        "/docs/a?b=1",
    )
    assert target.host_header == "example.com"
    assert check_url("http://93.184.215.14:8080/").host_header == "93.184.215.14:8080"
    assert check_url("http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/").refusal == ""


def test_the_allowlist_lets_a_listed_host_address_or_network_through_and_nothing_else():
    assert check_url("http://127.0.0.1:8000/", ["127.0.0.1"]).refusal == ""
    assert check_url("http://wiki.corp.internal/", ["wiki.corp.internal"]).refusal == ""
    assert check_url("http://10.20.3.4/", ["10.20.0.0/16"]).refusal == ""
    assert "private" in check_url("http://10.21.3.4/", ["10.20.0.0/16"]).refusal
    other = check_url("http://other.corp.internal/", ["wiki.corp.internal"])
    assert "internal name" in other.refusal
    # The allowlist opens hosts, never other schemes.
    assert "only http" in check_url("file://127.0.0.1/etc/passwd", ["127.0.0.1"]).refusal


def test_numeric_spellings_read_as_inet_aton_reads_them():
    assert parse_numeric_ipv4("0x7f.0.0.1") == ipaddress.IPv4Address("127.0.0.1")
    assert parse_numeric_ipv4("192.168.257") == ipaddress.IPv4Address("192.168.1.1")
    assert parse_numeric_ipv4("256.0.0.1") is None
    assert parse_numeric_ipv4("4294967296") is None
    assert parse_numeric_ipv4("08.0.0.1") is None  # 8 is no octal digit
    assert parse_numeric_ipv4("example.com") is None


def test_a_public_address_has_no_refusal():
    for address in ("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"):
        assert address_refusal(ipaddress.ip_address(address)) == ""
