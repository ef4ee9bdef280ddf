"""The steps of `exoctl verify` (exoctl/verify.py runs them), one concern a module."""
