"""Flask extensions, created here and bound to the app in create_app()."""

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
# Limits are keyed by the client's address (behind a proxy: PROXY_FIX_X_FOR makes it the real one);
# stored in Redis when REDIS_URL is set, so that every app server counts together.
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
