"""``spcheck emulator-fidelity``: a trace from a real tenant held against the emulator.

``trace_file`` reads what SPCHECK_TRACE wrote, ``replay`` sends each request to a
fresh emulator through its equivalent objects, ``compare`` finds the differences
of shape, and ``run`` prints them with the coverage. See docs/trace.md.
"""
