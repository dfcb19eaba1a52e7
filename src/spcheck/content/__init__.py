"""Untrusted-document inspection (docs/security.md, hostile files).

``api`` is the entry point (``scan_bytes``, ``scan_many``, ``extract_segments``); ``cli``
renders ``spcheck scan``. Nothing is imported here so that importing a submodule (the
detectors, say) stays cheap.
"""
