"""The seeded generators of the shipped SYNTHETIC example files (not part of the package).

Run them with ``python scripts/make_example_data.py``; ``impact`` writes the DfE tables and
rosters, ``focus`` the focus pupil files and PAG table.
"""
