"""Tasks followed to the end: rectification ledgers, decomposition to units, progress, 督办 and 销号
(#18; §7–§9, §12–§14 of 环督察〔2022〕58号; seed 003). See models.py."""
