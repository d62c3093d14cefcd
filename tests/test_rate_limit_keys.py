"""What the rate limits count by (registry.extensions.client_key): an IPv4 client by its address, an
IPv6 client by its /64 network (one subscriber's, which it could otherwise rotate through); and the
public search does not count signed-in staff, who share one office address."""

import uuid

import pytest

from tests.conftest import another_client, csrf_token

SEARCH = "/search?q=大气"


@pytest.fixture
def limits(app, monkeypatch):
    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return set_limits


def _net() -> str:
    """A /64 of the documentation range no other test uses (the counters outlive a test)."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def _search(client, address: str) -> int:
    return client.get(SEARCH, environ_base={"REMOTE_ADDR": address}).status_code


def test_ipv6_addresses_of_one_64_share_a_count_and_another_64_has_its_own(client, demo, limits):
    limits(SEARCH_RATE_LIMIT="2 per minute")
    net = _net()
    assert _search(client, f"{net}::1") == 200
    assert _search(client, f"{net}:ffff:1:2:3") == 200
    assert _search(client, f"{net}:abcd::99") == 429  # a third address of the same /64: refused
    assert _search(client, f"{_net()}::1") == 200  # another subscriber


def test_ipv4_addresses_each_have_their_own_count(client, demo, limits):
    limits(SEARCH_RATE_LIMIT="1 per minute")
    a, b = (f"198.51.100.{n}" for n in uuid.uuid4().bytes[:2])
    if a == b:
        b = "203.0.113.9"
    assert _search(client, a) == 200
    assert _search(client, a) == 429
    assert _search(client, b) == 200  # the neighbour is not counted with it
    # the same client seen through an IPv6 socket (::ffff:a.b.c.d) is the same IPv4 client
    assert _search(client, f"::ffff:{a}") == 429


def test_the_api_counts_ipv6_by_its_64_too(client, demo, limits):
    limits(API_RATE_LIMIT="1 per minute")
    net = _net()
    assert client.get("/api/v1/jurisdictions", environ_base={"REMOTE_ADDR": f"{net}::a"}).status_code == 200
    assert client.get("/api/v1/jurisdictions", environ_base={"REMOTE_ADDR": f"{net}::b"}).status_code == 429


def _get(client, path: str) -> int:
    """A request as that browser's user: the suite's requests share one app context, where Flask-Login
    keeps the user it loaded (`g`); drop it so each browser's own session says who is signed in."""
    from flask import g

    g.pop("_login_user", None)
    return client.get(path).status_code


def test_signed_in_staff_search_without_the_public_limit_visitors_at_their_address_keep_it(
    client, app, auth, demo, limits
):
    limits(SEARCH_RATE_LIMIT="2 per minute")
    office = f"{_net()}::10"  # the office's one address
    client.environ_base["REMOTE_ADDR"] = office
    auth.login("sthj_editor")
    assert [_get(client, SEARCH) for _ in range(5)] == [200] * 5  # staff are not counted
    visitor = another_client(app, REMOTE_ADDR=office)  # someone not signed in, at the same address
    assert [_get(visitor, SEARCH) for _ in range(3)] == [200, 200, 429]
    assert _get(client, SEARCH) == 200  # the visitor's refusal does not stop staff
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _get(client, SEARCH) == 429  # signed out: counted with the address again
