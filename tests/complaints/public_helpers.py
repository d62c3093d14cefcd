"""Driving the public complaint form as a browser would (the test client), and solving its CAPTCHA
with a challenge of a known answer (captcha.issue(answer=...))."""

import re
from html import unescape

from registry.complaints import captcha
from tests.conftest import csrf_token

ANSWER = "K7M4P"
TOKEN_RE = re.compile(r'name="captcha_token"[^>]*value="([^"]+)"')
CODE_RE = re.compile(r'id="complaint-code">([^<]+)<')


def step1(client, **fields):
    """POST step 1 (what, where, when); the response is the check page (or step 1 with errors)."""
    data = {
        "csrf_token": csrf_token(client, "/complaints/new"),
        "description": "村里有人烧秸秆，浓烟很大，呛得人睁不开眼。",
        "jurisdiction": "990100",
        "place": "江川市某某镇某某村村口晒场",
        "happened_on": "",
        "happened_time": "每天傍晚",
    }
    data.update(fields)
    return client.post("/complaints/new", data=data), data


def matter_choices(page: str) -> list[str]:
    return re.findall(r'name="matter" id="matter-[^"]+" value="([^"]+)"', page)


def checked_matter(page: str) -> str | None:
    found = re.search(r'name="matter" id="matter-[^"]+" value="([^"]+)"[^>]*checked', page)
    return found.group(1) if found else None


def submit(client, step1_data: dict, *, matter: str | None = None, answer: str | None = ANSWER, files=None, **fields):
    """Step 2's 提交 with the step-1 fields carried, a CAPTCHA solved (answer None: the page's own
    challenge, answered with `fields['captcha']`), photos as (bytes, filename) tuples."""
    data = {k: v for k, v in step1_data.items()}
    data.update({"action": "submit", "matter": matter or "none", "name": "", "phone": "", "email": ""})
    if answer is not None:
        data["captcha_token"] = captcha.issue(answer=answer).token
        data["captcha"] = answer.lower()
    data.update(fields)
    if files:
        data["photos"] = files
    return client.post("/complaints/check", data=data, content_type="multipart/form-data")


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def code_shown(client) -> str:
    page = client.get("/complaints/submitted").get_data(as_text=True)
    found = CODE_RE.search(page)
    assert found, page
    return found.group(1).strip()
