"""Focus pupils: a pupil-level KS1 -> KS2 progress tracker for the termly adviser visits.

Modules, one concept each: ``reference_data`` (the packaged, sourced values), ``ks1_points``
(KS1 outcomes -> points, APS), ``prior_attainment`` (the user's PAG table), ``pupils`` (pupil
CSVs), ``pupil_progress`` (PAG, estimate, progress, capping, school mean and interval),
``targets`` (focus pupils and their targets), ``termly`` (windows, joiners and leavers,
programme aggregates and the small-number rules), ``sigma`` (the national SD, packaged or
estimated), ``params`` (the params YAML), ``report`` (one school's figures), ``programme`` (the
programme's figures, no pupil rows, small numbers suppressed), ``privacy`` (the output scan)
and ``validate`` (``ipm validate`` for focus params). Their pages, CSVs and charts are drawn in
``ipm_analysis.reporting`` (``focus_school``, ``focus_programme``, ``charts.focus``).
"""
