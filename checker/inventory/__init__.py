"""Inventory completeness: the AI the repository's code uses, and which declared system covers it.

detectors: what counts as AI usage, from the pack and the configuration; python, javascript and
manifests: the readers of each kind of file; files: which files are looked at; scan: one pass over
them, cached by git blob id; coverage: which system's code a file is; rules: INV001 and INV002.
"""
