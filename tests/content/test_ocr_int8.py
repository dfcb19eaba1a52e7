"""The 8-bit recogniser: built once from the wheel's model into a cache, safely when workers
start together, read the same as the wheel's own, and never a gap when it cannot be built.

The builds here calibrate on two lines (a few seconds) into a temporary folder; the real one
(24 lines) is the one every other OCR test in the session reads with.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from spcheck.content.ocr import int8, rapid
from tests.content import scans

pytestmark = pytest.mark.slow


def _source() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models" / rapid.RECOGNISER


def _build(directory: str) -> str:
    return str(int8.recogniser(_source(), directory=Path(directory), lines=2))


def test_workers_starting_together_build_it_once_and_share_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        first, second = pool.map(_build, [str(tmp_path)] * 2)
    assert first == second
    built = [p for p in tmp_path.iterdir() if p.suffix == ".onnx"]
    assert [str(p) for p in built] == [first]  # one model, nothing half-written beside it
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build-")]
    modified = Path(first).stat().st_mtime_ns
    assert _build(str(tmp_path)) == first  # from the cache, not built again
    assert Path(first).stat().st_mtime_ns == modified


def test_another_source_model_gets_its_own_build(tmp_path):
    copy = tmp_path / "models" / rapid.RECOGNISER
    copy.parent.mkdir()
    copy.write_bytes(_source().read_bytes() + b"\0")  # not the wheel's model byte for byte
    cache = tmp_path / "cache"
    assert int8.recogniser(copy, directory=cache, lines=2) != int8.recogniser(
        _source(), directory=cache, lines=2
    )


def test_the_calibration_lines_are_the_same_every_time():
    first, second = int8.calibration_lines(3), int8.calibration_lines.__wrapped__(3)
    assert [line.tobytes() for line in first] == [line.tobytes() for line in second]
    assert all(line.ndim == 3 and 10 < line.shape[0] < line.shape[1] for line in first)


def test_without_onnx_the_wheels_model_reads_and_the_fingerprint_says_so(monkeypatch):
    monkeypatch.setattr(int8, "tools_version", lambda: None)
    assert int8.recogniser(_source()) is None
    rapid.engine_version.cache_clear()
    try:
        assert rapid.engine_version().endswith("recogniser fp32")
        monkeypatch.undo()
        rapid.engine_version.cache_clear()
        assert int8.RECIPE in rapid.engine_version()
    finally:
        rapid.engine_version.cache_clear()


def test_a_build_that_fails_leaves_the_wheels_model_and_no_file(tmp_path, monkeypatch):
    def broken(source: Path, target: Path, lines: int) -> None:
        raise RuntimeError("calibration failed")

    monkeypatch.setattr(int8, "_build", broken)
    assert int8.recogniser(_source(), directory=tmp_path, lines=2) is None
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".onnx"]


def test_a_cached_model_that_will_not_load_leaves_the_wheels_model_reading(tmp_path, monkeypatch):
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"not a model")
    monkeypatch.setattr(rapid, "int8_recogniser", lambda: damaged)
    engine = rapid.RapidOcrEngine(1)
    assert engine.version.endswith("recogniser fp32")
    read = engine.read(scans.typed(["CHI number: 0101011237"]))
    assert any("0101011237" in t.text for t in read)


def test_a_temporary_folder_another_user_could_write_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(PermissionError):
        int8._private(shared)
    assert int8._private(tmp_path / "mine") == tmp_path / "mine"


def test_an_unwritable_cache_falls_back_to_a_private_temporary_folder(tmp_path, monkeypatch):
    blocked = tmp_path / "home-cache"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(int8.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    built = int8.recogniser(_source(), lines=2)
    assert built is not None
    assert built.is_file()
    assert built.parent.parent == tmp_path / "tmp"


def test_the_8_bit_recogniser_reads_a_form_as_the_wheels_model_does():
    lines = [
        "Child's name: Ailsa Madeupson",
        "CHI number: 0101011237  Date of birth: 01/01/2001",
        "Invoice no. 6453644632 paid on 03/05/2024",
    ]
    page = scans.typed(lines)
    fast, exact = rapid.RapidOcrEngine(1), rapid.RapidOcrEngine(1, int8=False)
    assert int8.RECIPE in fast.version
    assert exact.version.endswith("recogniser fp32")
    assert [t.text for t in fast.read(page)] == [t.text for t in exact.read(page)]
    assert any("0101011237" in t.text for t in fast.read(page))
