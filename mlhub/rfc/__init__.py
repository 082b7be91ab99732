"""The RFC process: lifecycle, lint, template, governance lookups and filing."""
