"""The demo's world: the Graph emulator in this process, its clock, and settings that
point spcheck at it, with no tenant and no configuration read from the environment.

The story sets the emulator's clock before everything it plays, so that folders,
grants and uploads carry the times of their week. Partnership uploads go over HTTP as
the contact (``X-Emulator-User``), the guest account their invitation made, so they
need the write access provisioning granted and show the contact as ``createdBy``.
Sharing links and access given by hand are planted in the emulator's state directly:
they stand for something a person did in SharePoint, never spcheck.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from spcheck.demo.schedule import Delivery, Grant, Link, Scene
from spcheck.demo.story import SSO
from spcheck.domain.policy import Policy
from spcheck.emulator.inprocess import transport
from spcheck.emulator.interface import GraphError as EmulatorError
from spcheck.emulator.seeds import (
    ROOT_FOLDER,
    SITE,
    SITE_HOSTNAME,
    SITE_PATH,
    seed_demo,
)
from spcheck.emulator.service import USER_HEADER
from spcheck.emulator.state import EmulatorState
from spcheck.errors import ServiceUnavailable
from spcheck.graph.interface import Gateway
from spcheck.settings import AuthMode, Settings

# Plain http is accepted for loopback only; nothing listens here, the transport is in process.
BASE_URL = "http://127.0.0.1/v1.0"
# The demo is not about throttling: neither side's resource-unit budget should pause it.
RU_PER_MINUTE = 100_000


class DemoSettings(Settings):
    """Settings from the demo's own arguments only: no SPCHECK_ variable, no .env file,
    so a developer's configuration (or a broken one) can neither break nor redirect it."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class StoryFailed(ServiceUnavailable):
    """The emulator refused a step of the story (a bug in the demo, not the user's). Exit 3."""


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "(no Graph error body)"


class StoryClock:
    """The emulator's clock: it stands where the story last put it."""

    def __init__(self, start: dt.datetime) -> None:
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment


@dataclass
class DemoWorld:
    state: EmulatorState
    clock: StoryClock
    settings: Settings

    @classmethod
    def create(
        cls,
        *,
        definitions: Path,
        policies: Path,
        state_file: Path,
        start: dt.datetime,
    ) -> DemoWorld:
        clock = StoryClock(start)
        # An app may share only with existing guests (Graph never lets it create one), so
        # the tenant's administrator has added each definition's people as guests first,
        # as the first-deployment runbook asks; provisioning then invites them.
        state = seed_demo(clock=clock, partnership=False)
        for email, name in people_to_add_as_guests(definitions, policies):
            state.add_user(email, name)
        settings = DemoSettings(
            auth=AuthMode.NONE,
            graph_url=BASE_URL,
            site=SITE,
            root_folder=ROOT_FOLDER,
            inspections=definitions,
            policies=policies,
            state=f"sqlite:///{state_file}",
            ru_per_minute=RU_PER_MINUTE,
            # The demo's SSO asks for every change, so the audit log names a person.
            operator=SSO,
        )
        return cls(state, clock, settings)

    @property
    def drive_id(self) -> str:
        site = self.state.site_by_path(SITE_HOSTNAME, SITE_PATH)
        assert site is not None, "seed_demo always creates the inspection site"
        return site.drive_id

    def gateway(self, settings: Settings) -> Gateway:
        """A gateway on the emulator; the shape ``run_provision``'s ``gateway_factory`` takes."""
        from spcheck.graph.client import build_gateway

        return build_gateway(
            settings,
            transport=transport(self.state, base_url=BASE_URL, ru_per_minute=RU_PER_MINUTE),
        )

    def folder_path(self, scene: Scene, policy: Policy, folder_key: str) -> str:
        return f"{ROOT_FOLDER}/{scene.inspection_id}/{policy.folder(folder_key).name}"

    async def upload(self, client: httpx.AsyncClient, folder: str, delivery: Delivery) -> None:
        """PUT the file as its contact, at its time (the emulator stamps it from its clock)."""
        self.clock.set(delivery.at)
        path = quote(f"{folder}/{delivery.name}", safe="/")
        response = await client.put(
            f"drives/{quote(self.drive_id, safe='')}/root:/{path}:/content",
            content=delivery.content,
            headers={USER_HEADER: delivery.by, "Content-Type": "application/octet-stream"},
        )
        if response.status_code not in (200, 201):
            raise StoryFailed(
                f"demo: the emulator refused an upload to {folder}: HTTP "
                f"{response.status_code} {_error_code(response)}"
            )

    def plant_link(self, folder: str, link: Link) -> None:
        self.clock.set(link.at)
        item = self.state.item_by_path(self.drive_id, folder)
        if item is None:
            raise StoryFailed(f"demo: {folder} does not exist, so no link could be planted on it")
        try:
            self.state.create_link(self.drive_id, item.id, link.link_type, link.scope)
        except EmulatorError as error:
            raise StoryFailed(f"demo: the emulator refused a link on {folder}: {error}") from None

    def plant_grant(self, folder: str, grant: Grant) -> None:
        """Access given from SharePoint's Share button: no expiry, as a person often leaves it."""
        self.clock.set(grant.at)
        item = self.state.item_by_path(self.drive_id, folder)
        if item is None:
            raise StoryFailed(f"demo: {folder} does not exist, so nobody could share it")
        try:
            self.state.grant(self.drive_id, item.id, grant.email, [grant.role])
        except EmulatorError as error:
            raise StoryFailed(f"demo: the emulator refused a grant on {folder}: {error}") from None

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for the partnership's side (uploads), on the same emulator."""
        return httpx.AsyncClient(
            transport=transport(self.state, base_url=BASE_URL, ru_per_minute=RU_PER_MINUTE),
            base_url=BASE_URL,
        )


def people_to_add_as_guests(definitions: Path, policies: Path) -> list[tuple[str, str]]:
    """Everyone outside the tenant whom the definitions name: what the tenant's
    administrator adds as guests before spcheck provisions them."""
    from spcheck.emulator.seeds import TENANT_DOMAIN
    from spcheck.loader import load_all, load_policies

    people: dict[str, str] = {}
    for loaded in load_all(definitions, load_policies(policies)):
        for person in (*loaded.inspection.contacts, *loaded.inspection.team):
            people.setdefault(person.email, person.name)
    return [
        (email, name)
        for email, name in people.items()
        if email.rpartition("@")[2] != TENANT_DOMAIN
    ]
