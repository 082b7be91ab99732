"""mlhub: the community and collaboration hub of the ML platform."""

__version__ = "0.1.0"
