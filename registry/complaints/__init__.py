"""Public complaints (公众举报受理和处理, §4): the public reports a problem, it goes to the lead department
of the matter in that place (or the 12369 desk), the department accepts, transfers, answers or refuses
it within working-day deadlines, the person tracks it with a 查询码 and rates the reply.

models.py (the data) · rules.py (who may, deadlines, the desk) · services.py (timeline + audit + signal)
· intake.py, public_views.py, public_tracking.py (the public side)
· handling/, views.py, action_views.py, settings_views.py (departments and offices)
· stats.py, stats_views.py (the numbers) · retention.py (erasing contact details) · captcha.py, photos.py
"""
