"""Focus pupils: a pupil-level KS1 -> KS2 progress tracker for the termly adviser visits.

Modules, one concept each: ``reference_data`` (the packaged, sourced values), ``ks1_points``
(KS1 outcomes -> points, APS), ``prior_attainment`` (the user's PAG table), ``pupils`` (pupil
CSVs), ``pupil_progress`` (PAG, estimate, progress, capping, school mean and interval),
``targets`` (focus pupils and their targets), ``termly`` (windows, joiners and leavers,
programme aggregates), ``sigma`` (the national SD, packaged or estimated), ``params`` (the
params YAML), ``report`` and ``charts`` (what the notebook shows and writes), ``privacy``
(the output scan) and ``synthetic`` (the shipped example).
"""
