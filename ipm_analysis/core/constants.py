"""Numbers and symbols every report shares, each defined once.

- :data:`Z95`: the normal quantile of the DfE's 95% confidence limits (impact intervals,
  focus-pupil intervals, sigma recovered from published limits).
- :data:`Z80_POWER`: the normal quantile for 80% power, for minimum detectable effects.
- :data:`SUPPRESSED`: what a reader sees in place of a figure hidden by a small-number rule
  (the DfE's and ONS's symbol), in impact and focus reports alike.
"""

from __future__ import annotations

#: The normal quantile the DfE uses for its 95% confidence limits (two-sided 5%).
Z95 = 1.96
#: The normal quantile for 80% power (one-sided 20%), as in ``Z95 + Z80_POWER`` = 2.8.
Z80_POWER = 0.84
#: Shown in place of a figure suppressed to protect schools or pupils.
SUPPRESSED = "c"
