"""What the targets domain does when something happens elsewhere (core.signals): the indicators a
department led follow it through a reorganisation (机构改革), and a department still leading one is
not retired without a successor. Connected once, in create_app."""

from registry.core import signals
from registry.targets import services


def on_department_reorganised(source, *, kind: str, successors, matters, actor, **_kwargs) -> None:
    why = f"因「{source.name}」并入「{successors[0].name}」" if kind == "merge" else f"因「{source.name}」拆分"
    services.hand_over_indicators(source, list(successors), matters=dict(matters or {}), why=why, actor=actor)


def on_department_retiring(department, *, actor, **_kwargs) -> None:
    services.refuse_retiring_a_lead(department)


def connect() -> None:
    signals.department_reorganised.connect(on_department_reorganised)
    signals.department_retiring.connect(on_department_retiring)
