"""Local HTTP doubles of the web APIs mlhub talks to but cannot reach from tests."""
