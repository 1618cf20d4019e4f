"""Old entry point of the accuracy report, kept so ``python -m spyglass.evaluators.accuracy`` still works.

The report lives in ``training/accuracy.py`` (tooling, not loaded at run time).
"""

if __name__ == "__main__":
    from spyglass.training.accuracy import main

    raise SystemExit(main())
