"""The full-config rehearsal: every study's full-scale config, its loops capped to a few steps
(cap), its time and memory recorded per phase, and from those the full run's estimate
(estimate) and the resources the workflow declares (resources)."""

from .cap import Cap, active, phase, recording
from .loops import loader, repeats, steps

__all__ = ["Cap", "active", "loader", "phase", "recording", "repeats", "steps"]
