"""A dashboard over the history of Stalinism and the left that opposed it, built record by record from two texts."""

__version__ = "0.1.0"
