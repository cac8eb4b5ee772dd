"""cellrules: a design-rule engine for batteries."""

__version__ = "0.1.0"
