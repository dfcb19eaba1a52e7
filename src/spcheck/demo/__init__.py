"""`spcheck demo`: three inspections at different stages on the built-in Graph emulator.

``story`` is the story as data, ``documents`` (on ``writers``) the synthetic files,
``schedule`` dates the story back from ``as_of``, ``world`` is the emulator and the
settings that point at it, and ``run`` tells it on the terminal and writes the reports.
"""

from spcheck.demo.run import DEFAULT_OUT, parse_demo_date, run_demo

__all__ = ["DEFAULT_OUT", "parse_demo_date", "run_demo"]
