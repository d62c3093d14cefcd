"""The CAPTCHA of the public form: made here, its answer kept only as a keyed hash, right once,
case-insensitive, expiring, never reusable; the image served no-store and only while it is open."""

from datetime import timedelta
from io import BytesIO

import time_machine
from PIL import Image
from sqlalchemy import select

from registry.complaints import captcha
from registry.complaints.models import CaptchaChallenge, Complaint
from registry.core.db import utcnow
from registry.extensions import db
from tests.complaints.public_helpers import TOKEN_RE, step1, submit, text


def test_right_once_then_used_up(app, demo):
    challenge = captcha.issue(answer="K7M4P")
    row = db.session.get(CaptchaChallenge, challenge.token)
    assert "K7M4P" not in row.answer_hash and "K7M4P" not in row.token and len(row.answer_hash) == 64
    assert captcha.check(challenge.token, " k7m4p ") == captcha.Outcome.RIGHT  # case and spaces ignored
    assert captcha.check(challenge.token, "K7M4P") == captcha.Outcome.EXPIRED  # reused


def test_a_wrong_answer_uses_the_challenge_up(app, demo):
    challenge = captcha.issue(answer="K7M4P")
    assert captcha.check(challenge.token, "K7M4Q") == captcha.Outcome.WRONG
    assert captcha.check(challenge.token, "K7M4P") == captcha.Outcome.EXPIRED  # no second try


def test_an_old_challenge_has_expired(app, demo):
    challenge = captcha.issue(answer="K7M4P")
    later = utcnow() + timedelta(seconds=app.config["CAPTCHA_MAX_AGE_SECONDS"] + 1)
    with time_machine.travel(later, tick=False):
        assert captcha.check(challenge.token, "K7M4P") == captcha.Outcome.EXPIRED
        assert captcha.image(challenge.token) is None


def test_the_image_is_a_png_served_no_store_while_open(client, demo):
    response, _ = step1(client)
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    image = client.get(f"/complaints/captcha/{token}.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "no-store"
    assert Image.open(BytesIO(image.data)).size == (240, 84)
    forged = token[:-1] + ("B" if token.endswith("A") else "A")
    assert client.get(f"/complaints/captcha/{forged}.png").status_code == 404
    assert client.get("/complaints/captcha/nothing.png").status_code == 404
    captcha.check(token, "whatever")
    assert client.get(f"/complaints/captcha/{token}.png").status_code == 404  # used up


def test_the_token_carries_the_answer_only_for_the_server_key(app, demo, monkeypatch):
    challenge = captcha.issue(answer="H3N7W")
    assert captcha.answer_for_token(challenge.token) == "H3N7W"  # what the image route draws
    assert captcha.answer_for_token("nothing") is None
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key")
    assert captcha.answer_for_token(challenge.token) != "H3N7W"  # the token alone tells nothing


def test_no_setting_makes_every_answer_the_same(app, demo, monkeypatch):
    monkeypatch.setenv("CAPTCHA_FIXED_ANSWER", "H3N7W")
    monkeypatch.setitem(app.config, "CAPTCHA_FIXED_ANSWER", "H3N7W")  # as a forgotten setting would be
    answers = {captcha.answer_for_token(captcha.issue().token) for _ in range(5)}
    assert len(answers) > 1 and "H3N7W" not in answers


def test_the_image_is_the_same_on_every_fetch_and_its_fetches_are_limited(client, demo, app, monkeypatch):
    response, _ = step1(client)
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    monkeypatch.setitem(app.config, "COMPLAINT_TRACK_RATE_LIMIT", "2 per minute")
    first = client.get(f"/complaints/captcha/{token}.png")
    assert first.status_code == 200 and client.get(f"/complaints/captcha/{token}.png").data == first.data
    refused = client.get(f"/complaints/captcha/{token}.png")
    assert refused.status_code == 429 and "访问过于频繁，请稍后再试。" in text(refused)
    other = captcha.issue(answer="K7M4P").token  # another token: another picture (of its own answer)
    monkeypatch.setitem(app.config, "COMPLAINT_TRACK_RATE_LIMIT", "100 per minute")
    assert client.get(f"/complaints/captcha/{other}.png").data != first.data


def test_the_form_shows_a_wrong_answer_next_to_the_field_with_a_new_image(client, demo):
    before = len(db.session.scalars(select(Complaint.id)).all())
    response, data = step1(client)
    first_token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    wrong = submit(client, data, answer=None, captcha_token=first_token, captcha="ZZZZZ", name="王五")
    page = text(wrong)
    assert wrong.status_code == 400
    assert 'id="captcha-error">验证码不正确，请按新的图片重新输入。' in page
    new_token = TOKEN_RE.search(page).group(1)
    assert new_token != first_token and 'value="王五"' in page and data["description"] in page
    assert len(db.session.scalars(select(Complaint.id)).all()) == before
    assert submit(client, data).status_code == 303  # solved: filed


def test_another_image_keeps_every_field(client, demo):
    response, data = step1(client)
    first_token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    again = submit(client, data, answer=None, action="captcha", captcha_token=first_token, phone="13900000000")
    page = text(again)
    assert again.status_code == 200 and TOKEN_RE.search(page).group(1) != first_token
    assert (
        'value="13900000000"' in page
        and data["place"] in page
        and "error" not in page.split("<main")[1].split("captcha")[0]
    )


def test_expired_challenges_are_cleared_when_new_ones_are_made(app, demo):
    old = captcha.issue(answer="K7M4P")
    later = utcnow() + timedelta(seconds=app.config["CAPTCHA_MAX_AGE_SECONDS"] + 5)
    with time_machine.travel(later, tick=False):
        captcha.issue()
    assert db.session.get(CaptchaChallenge, old.token) is None
