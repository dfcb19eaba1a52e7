"""Strings and lists from Graph are bounded: a reply past SharePoint's own limits is refused in
one line naming the field and the limit, never the value."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from spcheck.graph.interface import GraphError
from spcheck.graph.views import MAX_NAME, MAX_PAGE

from .conftest import GatewayFactory, at


def children_of(make_gateway: GatewayFactory) -> None:
    async def scenario() -> None:
        async with make_gateway() as gateway:
            await gateway.children("d1", "i1")

    asyncio.run(scenario())


def test_a_name_from_graph_over_the_limit_is_refused_naming_the_field(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    item = {"id": "i9", "name": "x" * (MAX_NAME + 1)}
    router.get(**at("/drives/d1/items/i1/children")).mock(
        return_value=httpx.Response(200, json={"value": [{"id": "i8", "name": "ok"}, item]})
    )

    with pytest.raises(GraphError) as refused:
        children_of(make_gateway)
    message = str(refused.value)
    assert f"value.1.name: String should have at most {MAX_NAME} characters" in message
    assert "x" * 50 not in message  # the name itself is not repeated


def test_a_page_of_more_values_than_graph_ever_sends_is_refused(
    router: respx.Router, make_gateway: GatewayFactory
) -> None:
    values = [{"id": f"i{n}"} for n in range(MAX_PAGE + 1)]
    router.get(**at("/drives/d1/items/i1/children")).mock(
        return_value=httpx.Response(200, json={"value": values})
    )
    with pytest.raises(GraphError, match=f"value: Tuple should have at most {MAX_PAGE} items"):
        children_of(make_gateway)
