"""Demo of the targets (#19): 示例省, 江川市 and 云岭市 each carry six indicators of their 14th five-year
plan for the ecological environment, with values 2021–2025, and the province's published 2024 yearly
report to its people's congress. The tables are in `data` (what the demo shows), the steps that enter
them as the offices and departments would in `build` (who does what, when)."""

from registry.demo.targets.build import load_targets_demo

__all__ = ["load_targets_demo"]
