"""Flask extensions, created here and bound to the app in create_app()."""

import ipaddress

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from registry.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_key() -> str:
    """What a limit counts by: the client's address (behind a proxy: PROXY_FIX_X_FOR makes it the real
    one); for IPv6 its /64 network, which one subscriber is usually given whole (it could otherwise take
    a fresh address for every request)."""
    address = get_remote_address() or ""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.7 is the IPv4 client 192.0.2.7
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# Limits are keyed by `client_key`; stored in Redis when REDIS_URL is set, so that every app server
# counts together.
limiter = Limiter(key_func=client_key)
talisman = Talisman()
