"""The Redis connection of this process (REDIS_URL), or None on a machine without Redis."""

from flask import current_app

_clients: dict[str, object] = {}


def redis_client():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _clients[url]
