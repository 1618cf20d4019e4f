"""Training and data-split code for the evaluators' offline models (not imported at run time)."""
