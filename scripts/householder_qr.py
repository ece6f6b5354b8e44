"""Rule householder_qr: our Householder QR against LAPACK and Gram-Schmidt, over conditioning."""

from hundreddays.metrics import write_metrics
from hundreddays.rule_log import rule_log
from hundreddays.studies import householder_qr as study

sm = snakemake  # noqa: F821 (injected by the script directive)
with rule_log(sm.log[0]):
    cfg, seed = sm.params.cfg, sm.params.seed
    rows = study.sweep(cfg["rows"], cfg["cols"], cfg["log10_conditions"], seed)
    for r in rows:
        print(f"kappa {r['condition']:9.2e} {r['method']:>11}: orthogonality loss "
              f"{r['orthogonality_loss']:.2e}, backward error {r['backward_error']:.2e}")
    rel_diff = study.library_rel_diff(cfg["rows"], cfg["cols"], cfg["library_samples"], seed)
    print(f"R of our Householder QR vs numpy.linalg.qr: largest relative difference {rel_diff:.2e}")
    study.plot(rows, rel_diff, sm.output.figure)
    write_metrics(sm.output.metrics, study.metrics(rows, rel_diff))
