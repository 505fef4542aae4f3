"""Staff accounts from the command line (``python -m delivery staff ...``)."""
