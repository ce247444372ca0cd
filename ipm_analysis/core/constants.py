"""Numbers and symbols every report shares, each defined once.

- :data:`Z95`: the normal quantile of the DfE's 95% confidence limits (a school's own change
  interval, focus-pupil intervals, sigma recovered from published limits). Group intervals
  over a handful of schools use Student's t instead (``impact.intervals``).
- :data:`SUPPRESSED`: what a reader sees in place of a figure hidden by a small-number rule
  (the DfE's and ONS's symbol), in impact and focus reports alike.
"""

from __future__ import annotations

#: The normal quantile the DfE uses for its 95% confidence limits (two-sided 5%).
Z95 = 1.96
#: Shown in place of a figure suppressed to protect schools or pupils.
SUPPRESSED = "c"
