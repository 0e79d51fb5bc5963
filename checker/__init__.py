"""Charter: policy-as-code checks for AI-system manifests kept in git."""

__version__ = "0.1.0"
