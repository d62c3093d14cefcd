"""Targets (目标指标, issue #19): the quantitative indicators a jurisdiction's plans set, the lead
department answering for each, their values year by year, status computed (never typed), charts,
the report section and the government's yearly report to the people's congress (seed 000).

models.py (the data) · rules.py (status, the straight line, numbers as written) · services.py
(define, record, lock; audit in the same transaction) · views/ (the pages behind the sign-in, by role)
· receivers.py (indicators follow their lead department through 机构改革)
"""
