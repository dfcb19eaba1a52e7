"""The story dated back from any day: definitions that load, stages that hold.

Pure (no emulator): the demo's promise is that whatever day it runs, A is in week 3 with
its PIR in on time, B in week 8 with its records due before it, C past its access
window, and every upload happened inside its contact's access window.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from spcheck.demo.schedule import Scene, case_reference, demo_moment, stage, write_definitions
from spcheck.demo.story import STORY, Moment
from spcheck.demo.world import DemoWorld
from spcheck.domain.inspection import Inspection
from spcheck.domain.parse import parse_inspection
from spcheck.domain.policy import Policy
from spcheck.domain.timeline import Timeline
from spcheck.loader import load_all, load_policies, packaged_policies

FIXED = demo_moment(dt.date(2026, 11, 18))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policies(packaged_policies())["children-at-risk-of-harm"]


def scenes_for(day: dt.date, policy: Policy) -> list[Scene]:
    return [stage(chapter, demo_moment(day), policy) for chapter in STORY]


def test_definitions_and_sample_lists_pass_the_loaders_checks(
    tmp_path: Path, policy: Policy
) -> None:
    scenes = scenes_for(FIXED.date(), policy)
    write_definitions(scenes, tmp_path)
    loaded = {
        item.inspection.id: item for item in load_all(tmp_path, load_policies(packaged_policies()))
    }
    assert sorted(loaded) == sorted(scene.inspection_id for scene in scenes)
    for scene in scenes:
        inspection = loaded[scene.inspection_id].inspection
        assert inspection.notification_date == scene.notified
        assert inspection.partnership == scene.chapter.partnership.name
        assert [c.email for c in inspection.contacts] == [
            p.email for p in scene.chapter.partnership.people
        ]
        sample = loaded[scene.inspection_id].sample
        assert (sample is not None) == scene.chapter.has_sample


def test_the_sample_list_has_the_policys_counts_and_is_the_same_every_time(
    policy: Policy,
) -> None:
    first = scenes_for(FIXED.date(), policy)[1]
    again = scenes_for(dt.date(2031, 3, 4), policy)[1]
    assert first.sample is not None
    assert first.sample == again.sample
    rows = first.sample
    assert sum(r.kind == "sample" for r in rows) == policy.sample.sample == 60
    assert sum(r.kind == "reserve" for r in rows) == policy.sample.reserve == 15
    assert sum(r.network_of_support for r in rows) == policy.sample.network_of_support == 12
    assert not any(r.network_of_support for r in rows if r.kind == "reserve")
    ids = [r.record_id for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(policy.sample.record_id_pattern, i) for i in ids)


def test_case_references_do_not_repeat_before_nine_thousand() -> None:
    refs = [case_reference("GM", n) for n in range(1, 9001)]
    assert len(set(refs)) == 9000


def test_b_uploads_the_story_s_records_and_one_record_off_the_list(policy: Policy) -> None:
    scene = scenes_for(FIXED.date(), policy)[1]
    assert scene.sample is not None
    listed = {r.record_id for r in scene.sample}
    records = [d for d in scene.deliveries if d.folder in ("records", "records-reserves")]
    names = {d.name.removesuffix(".txt") for d in records}
    sample = [r.record_id for r in scene.sample if r.kind == "sample"]
    reserves = [r.record_id for r in scene.sample if r.kind == "reserve"]
    assert names - listed == {case_reference("GM", 76)}
    assert listed - names == set(sample[-6:]) | set(reserves[-2:])
    assert [link.scope for link in scene.links] == ["anonymous"]


def test_working_days_skip_the_weekend() -> None:
    friday = Moment(5, 4, dt.time(10))
    assert friday.plus_working_days(1) == Moment(6, 0, dt.time(10))
    assert Moment(5, 1, dt.time(10)).plus_working_days(7) == Moment(6, 3, dt.time(10))


def _days() -> list[dt.date]:
    """Every 13th day over four years, and days where holidays and clock changes bite."""
    start = dt.date(2026, 1, 1)
    spread = [start + dt.timedelta(days=n) for n in range(0, 4 * 365, 13)]
    awkward = [
        dt.date(2026, 4, 6),  # Easter Monday: B's records week ended on Good Friday
        dt.date(2026, 12, 28),  # Christmas week
        dt.date(2027, 1, 4),  # after New Year and 2 January
        dt.date(2027, 3, 28),  # clocks go forward that night
        dt.date(2027, 10, 31),  # clocks go back
        dt.date(2028, 2, 29),
    ]
    return spread + awkward


def test_the_stages_hold_on_any_day(policy: Policy) -> None:
    for day in _days():
        moment = demo_moment(day)
        for scene in scenes_for(day, policy):
            chapter = scene.chapter
            inspection = _inspection(scene, policy)
            timeline = Timeline(inspection, policy)
            assert timeline.week_of(day) == chapter.week, (day, chapter.key)
            assert timeline.access_from <= scene.provision_at <= timeline.access_until
            for item in scene.happenings():
                # Inside the contact's access (the emulator refuses uploads otherwise).
                assert scene.provision_at < item.at <= timeline.access_until, (day, item)
                assert item.at <= moment, (day, chapter.key)
            for step in scene.attestations:
                assert scene.provision_at < step.at <= moment, (day, step)
                if chapter.key == "C":  # every step recorded by its date
                    assert step.at <= timeline.due(step.milestone), (day, step)
            if chapter.key == "A":
                (pir,) = scene.deliveries
                assert pir.at <= timeline.due("pir")
            elif chapter.key == "B":
                assert timeline.due("pir") < moment
                records = timeline.milestone_date(policy.milestone("records"))
                # Only a holiday on week 7's Friday moves the records deadline into week 8.
                assert records.due < moment or records.moved_from is not None, day
            else:
                assert timeline.access_until < moment
                for milestone in ("pir", "records", "training", "position-statement"):
                    assert timeline.due(milestone) < moment


def _inspection(scene: Scene, policy: Policy) -> Inspection:
    return parse_inspection(yaml.safe_dump(scene.definition()), scene.inspection_id, policy)


def test_no_contact_is_a_user_of_the_emulator_until_invited(tmp_path: Path, policy: Policy) -> None:
    scenes = scenes_for(FIXED.date(), policy)
    world = DemoWorld.create(
        definitions=tmp_path,
        policies=packaged_policies(),
        state_file=tmp_path / "state.db",
        start=FIXED - dt.timedelta(weeks=30),
    )
    for scene in scenes:
        for person in scene.chapter.partnership.people:
            # Provisioning's invitation makes each one a guest; the uploads use it.
            assert world.state.user(person.email) is None
    assert world.settings.auth.value == "none"
    assert world.settings.graph_url.startswith("http://127.0.0.1")


def test_b_accepts_a_reserve_that_never_arrives(policy: Policy) -> None:
    for scene in scenes_for(FIXED.date(), policy):
        delivered = {d.name.removesuffix(".txt") for d in scene.deliveries}
        for acceptance in scene.acceptances:
            assert scene.chapter.key == "B"
            assert acceptance.rule == "records.missing"
            record_id = acceptance.location.removeprefix("record ")
            assert record_id not in delivered
            assert any(r.record_id == record_id and r.kind == "reserve" for r in scene.sample or ())
