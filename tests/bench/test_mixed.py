"""The mixed workload's URLs (bench/mixed.py), the per-kind load's new kinds (search, the office's
list health) and the nginx configuration the benchmark runs (deploy/nginx.conf): all at the tiny scale,
no timing asserted."""

import shutil
from collections import Counter

import pytest

from bench import http, mixed, nginx
from bench.generate import generate
from bench.scales import SCALES


def test_every_url_of_the_mix_answers_200(app, client, monkeypatch):
    generate(SCALES["tiny"], progress=False, reports=False)
    # Pages of 5 rows: the tiny lists (17 matters each) get ?page=2 and more, as the real ones do at 50.
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    pools = mixed.pools(5)
    assert set(pools) == set(mixed.WEIGHTS)
    assert all(pools.values()), {kind: len(paths) for kind, paths in pools.items()}
    assert any("page=" in p for p in pools["jurisdiction_page"])
    assert any("category=" in p and "page=" in p for p in pools["jurisdiction_category"])
    assert len(pools["search"]) >= 400  # 200+ queries, each whole-database and scoped
    failures = Counter()
    for kind, paths in pools.items():
        assert len(paths) == len(set(paths)), kind
        for path in paths:
            status = client.get(path).status_code
            if status != 200:
                failures[(kind, path, status)] += 1
    assert not failures, failures.most_common(10)

    paths, summary = mixed.workload(pools, 5000)
    assert len(paths) == 5000
    assert {kind: s["requests"] for kind, s in summary.items()} == {
        kind: 5000 * weight // 100 for kind, weight in mixed.WEIGHTS.items()
    }
    assert set(paths) <= {p for ps in pools.values() for p in ps}
    assert mixed.workload(pools, 5000) == (paths, summary)  # seeded: every run asks for the same


def test_search_and_office_kinds_answer_200(app, client, auth):
    generate(SCALES["tiny"], progress=False, reports=False)
    paths = http.targets()["search"]
    assert len(paths) >= 400
    for path in paths[:20]:
        assert client.get(path).status_code == 200, path
    office = http.office_account()
    health = http.office_targets()["manage_health"]
    assert len(health) == 3
    assert auth.login(office, http.OFFICE_PASSWORD).status_code == 302
    for path in health:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.skipif(not nginx.available() or not shutil.which("openssl"), reason="nginx or openssl not installed")
def test_the_shipped_nginx_configuration_parses(tmp_path):
    conf = nginx.prepare(upstream="127.0.0.1:8000", port=8443, http_port=8080, data=tmp_path)
    text = "\n".join(line.split("#")[0] for line in conf.read_text().splitlines())  # without comments
    assert "/var/" not in text and "/srv/" not in text and "/run/" not in text  # every path replaced
    assert "proxy_cache_revalidate on;" in text and "client_max_body_size 21m;" in text
    tested = nginx.check_config(conf, tmp_path)
    assert tested.returncode == 0, tested.stderr
