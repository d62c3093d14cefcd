"""The CAPTCHA of the public complaint form, made here (no outside service): five characters drawn
without look-alikes, shown as an image, checked once.

The database keeps only a keyed hash of the answer (CaptchaChallenge.answer_hash, HMAC with
SECRET_KEY). The image route still has to draw the answer, on whichever app server the request
reaches: the token carries the answer masked with a keystream only the server can make (HMAC of
the token's random part), so the token alone tells a client nothing.

CAPTCHA_FIXED_ANSWER (config.py; end-to-end tests only) makes every challenge's answer that value.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from io import BytesIO

from flask import current_app
from sqlalchemy import delete, update

from registry.complaints.models import CaptchaChallenge
from registry.core.db import utcnow
from registry.extensions import db

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 5
NONCE_HEX = 32


class Outcome(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"
    EXPIRED = "expired"  # unknown, used already or too old: all read the same to the person


@dataclass(frozen=True)
class Challenge:
    token: str


def _key() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _keyed(label: str, value: str) -> bytes:
    return hmac.new(_key(), f"{label}:{value}".encode(), hashlib.sha256).digest()


def answer_hash(answer: str) -> str:
    return _keyed("captcha-answer", answer.strip().upper()).hex()


def _mask(nonce: str) -> list[int]:
    return [b % len(ALPHABET) for b in _keyed("captcha-mask", nonce)[:LENGTH]]


def _shift(ch: str, k: int) -> str:
    return ALPHABET[(ALPHABET.index(ch) + k) % len(ALPHABET)]


def fixed_answer() -> str:
    return (current_app.config.get("CAPTCHA_FIXED_ANSWER") or "").strip().upper()


def issue(answer: str | None = None) -> Challenge:
    """A new challenge (tests pass `answer`; otherwise random, or CAPTCHA_FIXED_ANSWER when set).
    Expired challenges are cleared on the way, so the table holds only the last half hour's."""
    answer = (answer or fixed_answer() or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))).upper()
    if len(answer) != LENGTH or any(ch not in ALPHABET for ch in answer):
        raise ValueError(f"a CAPTCHA answer is {LENGTH} characters of {ALPHABET}")
    nonce = secrets.token_hex(NONCE_HEX // 2)
    masked = "".join(_shift(ch, k) for ch, k in zip(answer, _mask(nonce), strict=True))
    token = nonce + masked
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.created_at < _cutoff()))
    db.session.add(CaptchaChallenge(token=token, answer_hash=answer_hash(answer), created_at=utcnow()))
    db.session.flush()
    return Challenge(token)


def _cutoff():
    return utcnow() - timedelta(seconds=current_app.config["CAPTCHA_MAX_AGE_SECONDS"])


def _answer_of(token: str) -> str | None:
    nonce, masked = token[:NONCE_HEX], token[NONCE_HEX:]
    if len(token) != NONCE_HEX + LENGTH or any(ch not in ALPHABET for ch in masked):
        return None
    return "".join(_shift(ch, -k) for ch, k in zip(masked, _mask(nonce), strict=True))


def image(token: str) -> bytes | None:
    """The PNG of a challenge still open (unused, not expired); None for any other token."""
    row = db.session.get(CaptchaChallenge, token) if len(token) <= 64 else None
    if row is None or row.used_at is not None or row.created_at < _cutoff():
        return None
    answer = _answer_of(token)
    if answer is None or not hmac.compare_digest(answer_hash(answer), row.answer_hash):
        return None
    from captcha.image import ImageCaptcha

    out = BytesIO()
    ImageCaptcha(width=200, height=70).generate_image(answer).save(out, format="PNG")
    return out.getvalue()


def check(token: str, given: str) -> Outcome:
    """Use the challenge up (right or wrong, it is never checked twice) and say how the answer was.
    Case and surrounding spaces do not matter."""
    token = (token or "")[:64]
    used = db.session.execute(
        update(CaptchaChallenge)
        .where(
            CaptchaChallenge.token == token,
            CaptchaChallenge.used_at.is_(None),
            CaptchaChallenge.created_at >= _cutoff(),
        )
        .values(used_at=utcnow())
        .returning(CaptchaChallenge.answer_hash)
    ).scalar_one_or_none()
    if used is None:
        return Outcome.EXPIRED
    return Outcome.RIGHT if hmac.compare_digest(answer_hash(given or ""), used) else Outcome.WRONG
