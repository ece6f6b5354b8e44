"""Building blocks of the study galaxy_analogues: a toy photometry simulator, the networks of the
log's galaxy-distance days, their Adam recipe (on hundreddays.training.fit) and the figure.
Simulated analogues, not the author's private galaxy catalogues or simulations."""
