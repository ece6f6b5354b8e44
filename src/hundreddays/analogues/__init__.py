"""Building blocks of the study galaxy_analogues: a toy photometry simulator, the networks of the
log's galaxy-distance days, and one small training loop. Simulated analogues, not the author's
private galaxy catalogues or simulations."""
