from flask import Blueprint

# One blueprint for the public side (public_views.py), the departments' and offices' pages (views.py)
# and the numbers (stats_views.py); views.py imports the other two so that registering it registers all.
bp = Blueprint("complaints", __name__)
