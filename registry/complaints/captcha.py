"""The CAPTCHA of the public complaint form, made here (no outside service): five characters drawn
without look-alikes, shown as an image, checked once.

The database keeps only a keyed hash of the answer (CaptchaChallenge.answer_hash, HMAC with
SECRET_KEY). The image route still has to draw the answer, on whichever app server the request
reaches: the token carries the answer masked with a keystream only the server can make (HMAC of
the token's random part), so the token alone tells a client nothing. The image is drawn the same
way on every fetch of the same token (its noise seeded from the token and SECRET_KEY), so fetching
it again and again gives nothing to average out.

The end-to-end tests solve the CAPTCHA as the image route does, knowing the test server's
SECRET_KEY (answer_for_token); there is no switch that makes every answer the same.
"""

import hashlib
import hmac
import random
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from io import BytesIO

from flask import current_app
from sqlalchemy import delete, update

from registry.complaints.models import CaptchaChallenge
from registry.core.db import utcnow
from registry.extensions import db

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # none of the look-alikes 0/O/Q… 1/I/L, 2/Z, 5/S, 6/G, 8/B
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


def issue(answer: str | None = None) -> Challenge:
    """A new challenge (tests pass `answer`; otherwise random). Expired challenges are cleared on the
    way, so the table holds only the last half hour's."""
    answer = (answer or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))).upper()
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


def answer_for_token(token: str) -> str | None:
    """The answer a token carries, unmasked with SECRET_KEY: what the image route itself draws (and
    what the end-to-end tests, knowing the test server's key, type in). None for a malformed token.
    It says nothing of whether the challenge is still open: check() and image() look that up."""
    nonce, masked = token[:NONCE_HEX], token[NONCE_HEX:]
    if len(token) != NONCE_HEX + LENGTH or any(ch not in ALPHABET for ch in masked):
        return None
    return "".join(_shift(ch, -k) for ch, k in zip(masked, _mask(nonce), strict=True))


class _Seeded:
    """What captcha.image asks of the `secrets` module, drawn from a generator seeded per token."""

    def __init__(self, seed: bytes):
        self._random = random.Random(seed)  # noqa: S311 — noise of a picture, not a secret

    def randbelow(self, n: int) -> int:
        return self._random.randrange(n)

    def randbits(self, k: int) -> int:
        return self._random.getrandbits(k)

    def choice(self, seq):
        return self._random.choice(seq)


_DRAWING = threading.Lock()  # the library's `secrets` is swapped for the seeded one while drawing


def _draw(token: str, answer: str) -> bytes:
    from captcha import image as captcha_image

    out = BytesIO()
    with _DRAWING:
        captcha_image.secrets = _Seeded(_keyed("captcha-image", token))
        try:
            captcha_image.ImageCaptcha(width=240, height=84).generate_image(answer).save(out, format="PNG")
        finally:
            captcha_image.secrets = secrets
    return out.getvalue()


def image(token: str) -> bytes | None:
    """The PNG of a challenge still open (unused, not expired); None for any other token. The same
    token always gives the same picture."""
    row = db.session.get(CaptchaChallenge, token) if len(token) <= 64 else None
    if row is None or row.used_at is not None or row.created_at < _cutoff():
        return None
    answer = answer_for_token(token)
    if answer is None or not hmac.compare_digest(answer_hash(answer), row.answer_hash):
        return None
    return _draw(token, answer)


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
