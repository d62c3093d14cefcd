"""nginx as deployed (deploy/nginx.conf), run by the benchmark as the current user.

The configuration is the shipped file with its addresses and paths replaced (REPLACED below: the
upstream, the listening ports, the certificate, the static folder, the cache, the logs, the pid and
the temporary folders), nothing else: what is measured is what a site runs. Everything lives under
bench/data/nginx/. HTTPS as in production, with a self-signed certificate made once with openssl.
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.machine import ROOT

SHIPPED = ROOT / "deploy" / "nginx.conf"
DATA = ROOT / "bench" / "data" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CEILING = "bench-ceiling.html"  # the static file of the physical ceiling, under /static/


def available() -> bool:
    return Path(NGINX).exists()


def replacements(*, upstream: str, port: int, http_port: int, data: Path) -> list[tuple[str, str]]:
    """(shipped text, the benchmark's) pairs; every shipped text must occur in deploy/nginx.conf."""
    tmp = data / "tmp"
    return [
        ("user www-data;", f"user {pwd.getpwuid(os.getuid()).pw_name};"),
        ("pid /run/nginx.pid;", f"pid {data / 'nginx.pid'};"),
        ("error_log /var/log/nginx/error.log", f"error_log {data / 'error.log'}"),
        ("access_log /var/log/nginx/registry.access.log", f"access_log {data / 'access.log'}"),
        ("/var/lib/nginx/", f"{tmp}/"),
        ("/var/cache/nginx/registry", str(data / "cache")),
        ("server 127.0.0.1:8000;", f"server {upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
        ("listen [::]:80;", "# (no IPv6 in the benchmark)"),
        ("listen [::]:443 ssl http2;", "# (no IPv6 in the benchmark)"),
        ("/etc/letsencrypt/live/registry.example.org/fullchain.pem", str(data / "cert.pem")),
        ("/etc/letsencrypt/live/registry.example.org/privkey.pem", str(data / "key.pem")),
        ("alias /srv/registry/static/;", f"alias {data / 'static'}/;"),
    ]


def render(*, upstream: str, port: int, http_port: int, data: Path = DATA) -> str:
    text = SHIPPED.read_text()
    for old, new in replacements(upstream=upstream, port=port, http_port=http_port, data=data):
        if old not in text:
            raise RuntimeError(f"deploy/nginx.conf no longer contains {old!r}: update bench/nginx.py")
        text = text.replace(old, new)
    return text


def certificate(data: Path = DATA) -> None:
    if (data / "cert.pem").exists() and (data / "key.pem").exists():
        return
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(data / "key.pem"),
            "-out",
            str(data / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


def static_folder(data: Path = DATA, ceiling_bytes: int = 0) -> Path:
    """bench/data/nginx/static: the project's static/ (links) and the ceiling file of `ceiling_bytes`."""
    folder = data / "static"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for entry in (ROOT / "static").iterdir():
        (folder / entry.name).symlink_to(entry)
    if ceiling_bytes:
        # An HTML page of that size, in Chinese like the pages (no compression: wrk asks for none).
        unit = "<p>生态环境保护责任清单与牵头部门登记系统</p>\n".encode()
        body = (unit * (ceiling_bytes // len(unit) + 1))[:ceiling_bytes]
        (folder / CEILING).write_bytes(body)
    return folder


def prepare(*, upstream: str, port: int, http_port: int, data: Path = DATA, ceiling_bytes: int = 0) -> Path:
    """The configuration file, certificate, folders (an empty cache); returns the configuration's path."""
    data.mkdir(parents=True, exist_ok=True)
    for name in ("cache", "tmp"):
        shutil.rmtree(data / name, ignore_errors=True)
        (data / name).mkdir()
    (data / "access.log").unlink(missing_ok=True)
    certificate(data)
    static_folder(data, ceiling_bytes)
    conf = data / "nginx.conf"
    conf.write_text(render(upstream=upstream, port=port, http_port=http_port, data=data))
    return conf


def check_config(conf: Path, data: Path = DATA) -> subprocess.CompletedProcess:
    """`nginx -t` of a rendered configuration (the caller decides what a failure means)."""
    return subprocess.run([NGINX, "-t", "-p", str(data), "-c", str(conf)], capture_output=True, text=True)


class Nginx:
    """`nginx -g 'daemon off;'` with the rendered configuration, in front of `upstream`."""

    def __init__(self, upstream: str, *, ceiling_bytes: int = 0, data: Path = DATA):
        from bench.http import free_port

        self.port, self.http_port = free_port(), free_port()
        self.upstream, self.ceiling_bytes, self.data = upstream, ceiling_bytes, data
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> "Nginx":
        conf = prepare(
            upstream=self.upstream,
            port=self.port,
            http_port=self.http_port,
            data=self.data,
            ceiling_bytes=self.ceiling_bytes,
        )
        tested = check_config(conf, self.data)
        if tested.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{tested.stderr}")
        self.log = open(self.data / "nginx.out", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.data), "-c", str(conf), "-g", "daemon off;"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx exited: see {self.data / 'nginx.out'}") from None
                time.sleep(0.1)
        raise RuntimeError("nginx did not start within 20 s")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            return [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: the access log's buffer is written
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def cache_statuses(data: Path = DATA) -> dict[str, int]:
    """How the logged requests were answered: HIT, MISS, EXPIRED, REVALIDATED, BYPASS, - (not cacheable)."""
    counts: Counter[str] = Counter()
    log = data / "access.log"
    if not log.exists():
        return {}
    pattern = re.compile(rb"cache=(\S+)$")
    with log.open("rb") as f:
        for line in f:
            if b'"GET /healthz ' in line:  # the baseline windows: never cached, not the workload
                continue
            m = pattern.search(line.rstrip())
            counts[(m.group(1).decode() if m else "?")] += 1
    return dict(counts.most_common())


def truncate_log(data: Path = DATA) -> None:
    """Empty the access log between phases (nginx keeps writing to the same open file)."""
    log = data / "access.log"
    if log.exists():
        with log.open("r+b") as f:
            f.truncate(0)
