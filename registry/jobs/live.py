"""A running job's progress, kept outside the database: a task does all its writing in one transaction
(nothing half-done is ever committed), so how far it has got cannot wait for that transaction. With
REDIS_URL the progress is a Redis hash that every app server and worker sees; without, a small file
per job in the instance folder, which every process of the one machine sees. Either way it is only a
view: the job's row has the truth once the job ends, and a store that is away only hides the bar."""

import json
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600


def _redis():
    from registry.jobs import connection

    return connection.redis_client()


def _key(job_id: int) -> str:
    return f"{current_app.config.get('REDIS_KEY_PREFIX', 'registry')}:job:{int(job_id)}"


def _path(job_id: int) -> Path:
    return Path(current_app.config["JOBS_LIVE_DIR"]) / f"{int(job_id)}.json"


def put(job_id: int, done: int, total: int, message: str = "") -> None:
    value = {"progress": int(done), "total": int(total), "message": message[:300], "at": time.time()}
    try:
        if (client := _redis()) is not None:
            client.set(_key(job_id), json.dumps(value, ensure_ascii=False), ex=TTL_SECONDS)
            return
        path = _path(job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as out:
            json.dump(value, out, ensure_ascii=False)
        os.replace(out.name, path)
    except Exception:  # the store is away: the bar stands still, the job goes on
        log.warning("job %s: progress not recorded", job_id, exc_info=True)


def get(job_id: int) -> dict | None:
    """{progress, total, message} of a running job, or None (never recorded, ended, or store away)."""
    try:
        if (client := _redis()) is not None:
            raw = client.get(_key(job_id))
        else:
            path = _path(job_id)
            raw = path.read_text(encoding="utf-8") if path.exists() else None
        return json.loads(raw) if raw else None
    except Exception:
        log.warning("job %s: progress not readable", job_id, exc_info=True)
        return None


def last_seen(job_id: int) -> datetime | None:
    """When a running job last reported progress (UTC), or None."""
    value = get(job_id)
    if not value or not isinstance(value.get("at"), int | float):
        return None
    return datetime.fromtimestamp(value["at"], UTC)


def clear(job_id: int) -> None:
    try:
        if (client := _redis()) is not None:
            client.delete(_key(job_id))
        else:
            _path(job_id).unlink(missing_ok=True)
    except Exception:
        log.warning("job %s: progress not cleared", job_id, exc_info=True)
