"""The blueprint of the offices' workbench (`lists`); each module of this package adds its routes."""

from flask import Blueprint

bp = Blueprint("lists", __name__, url_prefix="/manage")
