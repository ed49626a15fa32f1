"""discordsim's rate limits: headers on every answer, per-route buckets split by major parameter, the
global limit (interaction routes exempt), 429 bodies and scopes, and injected REST faults."""
import time

import pytest

from discordsim.client import SimError
from dsim_raw import rest

MESSAGES = "POST /channels/{channel_id}/messages"
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After",
           "X-RateLimit-Bucket")


def post(dsim, channel="peon", content="x"):
    return rest(dsim, "POST", f"/channels/{dsim.channel_id(channel)}/messages", {"content": content})


def test_every_answer_carries_rate_limit_headers(dsim):
    app = dsim.state()["application_id"]
    for method, path in (("GET", "/users/@me"), ("GET", "/gateway/bot"), ("GET", f"/applications/{app}/commands"),
                         ("GET", f"/channels/{dsim.channel_id('peon')}/messages")):
        reply = rest(dsim, method, path)
        assert all(h in reply.headers for h in HEADERS), (path, reply.headers)
        assert int(reply.headers["X-RateLimit-Limit"]) == 1000  # the generous default
    hit = dsim.inject_command("x", allow_unregistered=True, deliver=False)
    callback = rest(dsim, "POST", f"/interactions/{hit['id']}/{hit['token']}/callback", {"type": 5}, token=False)
    assert all(h in callback.headers for h in HEADERS)
    error = rest(dsim, "GET", "/channels/1")
    assert error.status == 404 and "X-RateLimit-Bucket" in error.headers


def test_bucket_exhaustion_gives_a_user_scoped_429(dsim):
    dsim.set_bucket(MESSAGES, 2, 30)
    first, second, third = post(dsim), post(dsim), post(dsim)
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == ["1", "0"]
    assert 0 < float(second.headers["X-RateLimit-Reset-After"]) <= 30
    assert abs(float(second.headers["X-RateLimit-Reset"]) - time.time() - 30) < 5
    body = third.json
    assert set(body) == {"message", "retry_after", "global"}
    assert body["global"] is False and isinstance(body["retry_after"], float) and 0 < body["retry_after"] <= 30
    assert third.headers["X-RateLimit-Scope"] == "user"
    assert int(third.headers["Retry-After"]) >= 1 and "X-RateLimit-Global" not in third.headers
    assert third.headers["Via"]
    # the major parameter splits the bucket: another channel has its own counter, same bucket id
    other = post(dsim, "valheim-bob")
    assert other.status == 200 and other.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
    counters = dsim.counters()["rest"]
    assert counters["ratelimited"]["user"] == 1 and counters["invalid_requests"] == 1
    assert counters["requests"][MESSAGES] == 4


def test_bucket_window_resets(dsim):
    dsim.set_bucket(MESSAGES, 1, 0.3)
    assert post(dsim).status == 200
    limited = post(dsim)
    assert limited.status == 429
    time.sleep(limited.json["retry_after"] + 0.05)  # the wait the simulator asked for
    assert post(dsim).status == 200


def test_routes_can_share_a_bucket(dsim):
    dsim.set_bucket(MESSAGES, 2, 30, bucket="messages", scope="shared")
    dsim.set_bucket("PATCH /channels/{channel_id}/messages/{message_id}", 2, 30, bucket="messages", scope="shared")
    created = post(dsim)
    cid = dsim.channel_id("peon")
    edited = rest(dsim, "PATCH", f"/channels/{cid}/messages/{created.json['id']}", {"content": "y"})
    assert edited.status == 200 and edited.headers["X-RateLimit-Bucket"] == created.headers["X-RateLimit-Bucket"]
    refused = post(dsim)
    assert refused.status == 429 and refused.headers["X-RateLimit-Scope"] == "shared"
    assert dsim.counters()["rest"]["invalid_requests"] == 0  # shared 429s do not count


def test_global_limit_spares_interaction_routes(dsim):
    dsim.set_global_limit(3, 30)
    assert [rest(dsim, "GET", "/users/@me").status for _ in range(3)] == [200, 200, 200]
    limited = rest(dsim, "GET", f"/channels/{dsim.channel_id('peon')}")
    assert limited.status == 429
    assert limited.json["global"] is True
    assert limited.headers["X-RateLimit-Global"] == "true" and limited.headers["X-RateLimit-Scope"] == "global"
    hit = dsim.inject_command("x", allow_unregistered=True, deliver=False)
    callback = rest(dsim, "POST", f"/interactions/{hit['id']}/{hit['token']}/callback",
                    {"type": 4, "data": {"content": "still works"}}, token=False)
    assert callback.status == 204
    app = dsim.state()["application_id"]
    assert rest(dsim, "GET", f"/webhooks/{app}/{hit['token']}/messages/@original", token=False).status == 200
    assert rest(dsim, "GET", "/gateway", token=False).status == 200
    assert dsim.counters()["rest"]["ratelimited"]["global"] == 1


def test_forced_429s_then_success(dsim):
    dsim.rest_fault(MESSAGES, "429", count=2, scope="user", retry_after=1.5)
    first, second, third = post(dsim), post(dsim), post(dsim)
    assert [first.status, second.status, third.status] == [429, 429, 200]
    assert first.json == {"message": "You are being rate limited.", "retry_after": 1.5, "global": False}
    assert first.headers["Retry-After"] == "2" and first.headers["X-RateLimit-Remaining"] == "0"
    dsim.rest_fault("*", "429", scope="global", retry_after=0.1)
    limited = rest(dsim, "GET", "/users/@me")
    assert limited.json["global"] is True and limited.headers["X-RateLimit-Global"] == "true"
    counters = dsim.counters()["rest"]
    assert counters["ratelimited"]["user"] == 2 and counters["ratelimited"]["global"] == 1
    assert counters["faults_served"] == 3 and counters["invalid_requests"] == 3


def test_cloudflare_ban_is_html_without_via(dsim):
    dsim.rest_fault("GET /users/@me", "cloudflare")
    banned = rest(dsim, "GET", "/users/@me")
    assert banned.status == 429
    assert banned.headers["Content-Type"].startswith("text/html")
    assert "Via" not in banned.headers and b"Error 1015" in banned.raw
    assert rest(dsim, "GET", "/users/@me").status == 200  # count=1: only one answer was affected
    counters = dsim.counters()["rest"]
    assert counters["ratelimited"]["cloudflare"] == 1 and counters["invalid_requests"] == 1


def test_server_errors(dsim):
    dsim.rest_fault("GET /users/@me", "5xx", status=502)
    dsim.rest_fault("GET /gateway/bot", "5xx", status=503, body="<html>upstream</html>")
    failed = rest(dsim, "GET", "/users/@me")
    assert failed.status == 502 and failed.json["code"] == 0
    html = rest(dsim, "GET", "/gateway/bot")
    assert html.status == 503 and html.raw == b"<html>upstream</html>"
    assert rest(dsim, "GET", "/users/@me").status == 200


def test_hang_delays_then_answers(dsim):
    dsim.rest_fault("GET /users/@me", "hang", seconds=0.4)
    started = time.monotonic()
    slow = rest(dsim, "GET", "/users/@me")
    assert slow.status == 200 and time.monotonic() - started >= 0.4
    assert dsim.counters()["rest"]["hangs"] == 1


def test_bad_fault_specs_are_refused(dsim):
    for spec in ({"kind": "teapot"}, {"kind": "429", "scope": "everyone"}):
        with pytest.raises(SimError) as refused:
            dsim.rest_fault(**spec)
        assert refused.value.status == 400
