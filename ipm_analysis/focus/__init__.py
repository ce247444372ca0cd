"""Focus pupils: a pupil-level KS1 -> KS2 progress tracker for the termly adviser visits.

Modules, one concept each: ``reference_data`` (the packaged, sourced values), ``ks1_points``
(KS1 outcomes -> points, APS), ``prior_attainment`` (the user's PAG table), ``pupils`` (pupil
CSVs), ``pupil_progress`` (PAG, estimate, progress, capping, school mean and interval),
``targets`` (focus pupils and their targets), ``termly`` (windows, joiners and leavers,
programme aggregates and the small-number rules), ``sigma`` (the national SD, packaged or
estimated), ``params`` (the params YAML), ``report`` (one school's report), ``programme`` (the
programme's report, no pupil rows), ``charts`` (their charts), ``privacy`` (the output scan)
and ``synthetic`` (the shipped example).
"""
