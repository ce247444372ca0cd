"""ipm_analysis: impact reports for school-improvement programmes from DfE KS2 data.

All logic lives here; the notebooks in ``notebooks/`` only call it. Modules are cut by
domain concept: ``dfe_tables`` (reading DfE files), ``roster``, ``linking`` (URNs across
years), ``groups``, ``impact`` (the paired means), ``comparison`` and ``uncertainty``
(honest impact), ``charts``, ``presentation`` (tables for readers), ``runner`` and
``batch`` (papermill + nbconvert), and ``cli``.
"""

__version__ = "0.1.0"
