"""The shipped SYNTHETIC example data and, in ``generator``, the code that writes it.

A package only so ``scripts/make_example_data.py`` and the tests can import the generators
from a checkout; nothing in ``ipm_analysis`` imports it and the wheel does not ship it.
"""
