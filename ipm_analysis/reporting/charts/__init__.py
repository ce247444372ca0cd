"""The report's charts. Each function takes tables already computed and returns a
:class:`~ipm_analysis.reporting.charts.style.Chart` (figure + alt text stating its main finding);
charts compute nothing themselves."""

from ipm_analysis.reporting.charts.style import PALETTE, Chart

__all__ = ["PALETTE", "Chart"]
