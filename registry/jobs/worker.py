"""The Celery entry point (REDIS_URL required):

    celery -A registry.jobs.worker worker --loglevel=INFO   # runs the jobs (as many machines as you like)
    celery -A registry.jobs.worker beat --loglevel=INFO     # the periodic tasks (one on the whole site)

It makes the Flask application from the environment (config.Config, as wsgi.py does) and the Celery
application bound to it (registry/jobs/queue.py)."""

from registry import create_app
from registry.jobs.queue import celery_for

flask_app = create_app()
if not flask_app.config.get("REDIS_URL"):
    raise SystemExit("REDIS_URL 未设置：Celery worker 和 beat 需要 Redis（例如 REDIS_URL=redis://127.0.0.1:6379/0）。")
celery = celery_for(flask_app)
