"""The SSRF guard (R6): hostile URLs and addresses are refused with a message for `url`;
127.0.0.1 only when the setting lists it; a name resolving to loopback only when listed."""

from __future__ import annotations

import pytest

from app.channels import validate_webhook_url
from app.channels.netguard import MAX_URL_LENGTH, TargetPolicy, address_problem
from app.domain.errors import FieldError

# (url, a fragment of the message): refused with or without 127.0.0.1 being allowed
HOSTILE = [
    ("ftp://example.com/hook", "http or https"),
    ("file:///etc/passwd", "http or https"),
    ("gopher://127.0.0.1:6379/_INFO", "http or https"),
    ("javascript:alert(1)", "http or https"),
    ("", "http or https"),
    ("http://", "must name a host"),
    ("https://example.com/" + "a" * MAX_URL_LENGTH, "at most 2000"),
    ("http://user:pw@example.com/", "user name or password"),
    ("http://example.com@10.0.0.1/", "user name or password"),
    ("http://exa mple.com/", "spaces or control"),
    ("http://example.com:99999/", "port"),
    ("http://0177.0.0.1/", "not a valid URL"),
    ("http://localhost/", "loopback"),
    ("http://LOCALHOST./", "loopback"),
    ("http://127.0.0.2/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1:8080/hook", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://100.64.0.1/", "not publicly routable"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
]


@pytest.mark.parametrize("allowed", [[], ["127.0.0.1"]], ids=["none-allowed", "loopback-ip-allowed"])
@pytest.mark.parametrize(("url", "fragment"), HOSTILE)
async def test_hostile_urls_are_refused_naming_url(url, fragment, allowed):
    error = await validate_webhook_url(url, allowed)
    assert isinstance(error, FieldError)
    assert error.field == "url"
    assert fragment in error.message


async def test_127_0_0_1_is_allowed_only_when_listed():
    assert "loopback" in (await validate_webhook_url("http://127.0.0.1:8080/hook", [])).message
    assert await validate_webhook_url("http://127.0.0.1:8080/hook", ["127.0.0.1"]) is None


async def test_a_name_resolving_to_loopback_is_refused_unless_it_is_listed():
    assert "loopback" in (await validate_webhook_url("http://localhost:8080/", ["127.0.0.1"])).message
    assert await validate_webhook_url("http://localhost:8080/", ["localhost"]) is None
    assert await validate_webhook_url("http://LocalHost.:8080/", ["localhost"]) is None


async def test_a_private_address_can_be_listed_by_the_operator():
    assert await validate_webhook_url("https://10.20.30.40/hook", ["10.20.30.40"]) is None
    assert await validate_webhook_url("https://[fd00::5]/hook", ["[fd00::5]"]) is None


async def test_a_public_name_is_accepted_and_one_private_address_among_public_ones_is_not():
    async def dns(host: str, port: int) -> list[str]:
        return {"hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
                "mixed.example.org": ["93.184.215.14", "10.0.0.7"]}[host]

    assert await validate_webhook_url("https://hooks.example.org/anquan", resolver=dns) is None
    assert "private" in (await validate_webhook_url("https://mixed.example.org/", resolver=dns)).message


async def test_a_name_that_does_not_resolve_is_refused():
    async def nxdomain(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    error = await validate_webhook_url("https://nowhere.example.org/", resolver=nxdomain)
    assert error == FieldError("url", "host does not resolve")


async def test_a_url_of_exactly_2000_characters_is_accepted():
    url = "http://127.0.0.1/" + "a" * (MAX_URL_LENGTH - len("http://127.0.0.1/"))
    assert len(url) == MAX_URL_LENGTH
    assert await validate_webhook_url(url, ["127.0.0.1"]) is None


@pytest.mark.parametrize(("address", "problem"), [
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("::1", "loopback"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("10.1.2.3", "private"), ("172.31.255.255", "private"), ("192.168.0.1", "private"),
    ("fc00::1", "private"), ("fec0::1", "private"),
    ("169.254.0.1", "link-local"), ("fe80::1", "link-local"), ("fe80::1%1", "link-local"),
    ("224.0.0.251", "multicast"), ("239.255.255.250", "multicast"), ("ff05::2", "multicast"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "not publicly routable"), ("192.0.0.1", "private"), ("198.18.0.1", "private"),
    ("192.0.2.1", "private"), ("2001:db8::1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:192.168.1.1", "private"), ("::ffff:169.254.169.254", "link-local"),
    ("2002:c0a8:0101::1", "private"),  # 6to4 of 192.168.1.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo: its client end is TEST-NET
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8 (DNS64 networks)
    ("not-an-ip", "not an IP address"),
    ("8.8.8.8", None), ("93.184.215.14", None), ("2606:4700:4700::1111", None), ("::ffff:8.8.8.8", None),
])
def test_address_problems(address, problem):
    assert address_problem(address) == problem


async def test_delivery_and_validation_share_the_policy():
    policy = TargetPolicy(["Hooks.Internal.", " "])
    assert policy.allowed_private_hosts == frozenset({"hooks.internal"})
