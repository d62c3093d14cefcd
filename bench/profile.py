"""`python -m bench.profile [--db sqlite|postgresql] [--scale province] PATH …`: profile public pages
on the generated data with pyinstrument, through Flask's test client (no HTTP, no other process).

`--cold` profiles the first request of each path (empty caches); otherwise each path is requested
once to warm up and then profiled over --repeat requests. Used to find what limits a page in the
benchmark; see bench/README.md.
"""

import os
from pathlib import Path

import click

os.environ.setdefault("REGISTRY_INSTANCE", str(Path(__file__).resolve().parent / "data" / "instance"))


@click.command()
@click.option("--db", "kind", type=click.Choice(["sqlite", "postgresql"]), default="sqlite", show_default=True)
@click.option("--scale", default="province", show_default=True)
@click.option("--repeat", default=20, show_default=True)
@click.option("--cold", is_flag=True, help="Profile first requests (empty caches) instead of warm ones.")
@click.argument("paths", nargs=-1, required=True)
def main(kind: str, scale: str, repeat: int, cold: bool, paths: tuple[str, ...]) -> None:
    import time

    from pyinstrument import Profiler

    from bench import databases

    database = databases.sqlite(scale) if kind == "sqlite" else databases.postgresql(scale)
    client = databases.make_app(database).test_client()
    client.get("/healthz")
    if not cold:
        for path in paths:
            status = client.get(path).status_code
            click.echo(f"{path} → {status}")
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(1 if cold else repeat):
        for path in paths:
            client.get(path)
    profiler.stop()
    n = len(paths) * (1 if cold else repeat)
    click.echo(f"{n} requests, {(time.perf_counter() - start) / n * 1000:.2f} ms each")
    click.echo(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
