"""Starting states for the emulator, as plain Python that tests can extend.

Both seeds hold the inspection site ``emulator.sharepoint.example:/sites/inspections``
with its library, an empty ``Inspections`` folder at the library root, and the app's
service mailbox (the sender of alert mail). ``demo`` adds partnership people at the
example inspections' domains as existing guests (the examples' contacts among them:
an app may share only with existing guests), one outsider, and a strategic support
officer who owns the site. Every name and address is fictional.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from spcheck.emulator.state import EmulatorState
from spcheck.errors import InputError

SITE_HOSTNAME = "emulator.sharepoint.example"
SITE_PATH = "/sites/inspections"
SITE = f"{SITE_HOSTNAME}:{SITE_PATH}"
ROOT_FOLDER = "Inspections"
TENANT_DOMAIN = "careinspectorate.example"
SERVICE_EMAIL = f"spcheck@{TENANT_DOMAIN}"
SSO_EMAIL = f"sso.testperson@{TENANT_DOMAIN}"
OUTSIDER_EMAIL = "rory.outsider@outsider.example"

DEMO_PARTNERSHIP_USERS: tuple[tuple[str, str], ...] = (
    ("morag.testperson@glenmorven-council.example", "Morag Testperson"),
    ("ewan.sample@glenmorven-council.example", "Ewan Sample"),
    ("isla.example@nhs-glenmorven.example", "Isla Example"),
    ("callum.placeholder@kinloch-council.example", "Callum Placeholder"),
    ("eilidh.fictional@nhs-kinloch.example", "Eilidh Fictional"),
    ("fraser.dummy@nhs-kinloch.example", "Fraser Dummy"),
    # The example inspections' people outside the tenant (inspections/examples: contacts
    # and team members): guests already, as an app may share only with existing guests.
    ("iain.sampleton@nhs-glenmorven.example", "Iain Sampleton"),
    ("eilidh.placeholder@glenmorven-council.example", "Eilidh Placeholder"),
    ("callum.fictional@kinloch-council.example", "Callum Fictional"),
    ("ailsa.madeup@nhs-kinloch.example", "Ailsa Madeup"),
    ("alex.scrutineer@scrutiny-body.example", "Alex Scrutineer"),
    ("ruth.readwell@kinloch-council.example", "Ruth Readwell"),
)


def _base(clock: Callable[[], datetime] | None, owners: tuple[str, ...]) -> EmulatorState:
    state = EmulatorState(clock, tenant_domain=TENANT_DOMAIN)
    state.add_user(SERVICE_EMAIL, "spcheck service")
    site = state.add_site(SITE_HOSTNAME, SITE_PATH, display_name="Inspections", owners=owners)
    state.create_folder(site.drive_id, "", ROOT_FOLDER)
    return state


def seed_empty(clock: Callable[[], datetime] | None = None) -> EmulatorState:
    """The site, its library, an empty ``Inspections`` folder and the service mailbox."""
    return _base(clock, ())


def seed_demo(
    clock: Callable[[], datetime] | None = None, *, partnership: bool = True
) -> EmulatorState:
    """``seed_empty`` plus partnership users, an outsider and the site's owner (an SSO).

    ``partnership=False`` leaves the partnership people out of the directory: they then
    become guests only when they are invited to share, as `spcheck demo` shows.
    """
    state = _base(clock, (SSO_EMAIL,))
    state.add_user(SSO_EMAIL, "Sandy Testperson (SSO)")
    if partnership:
        for email, name in DEMO_PARTNERSHIP_USERS:
            state.add_user(email, name)
    state.add_user(OUTSIDER_EMAIL, "Rory Outsider")
    return state


SEEDS: dict[str, Callable[[], EmulatorState]] = {"empty": seed_empty, "demo": seed_demo}


def seed_by_name(name: str) -> EmulatorState:
    try:
        return SEEDS[name]()
    except KeyError:
        raise InputError(
            f"unknown emulator seed {name!r}; expected one of {', '.join(SEEDS)}"
        ) from None
