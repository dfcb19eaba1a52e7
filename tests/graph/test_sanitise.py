"""The sanitiser: Graph's own words stay, everything else becomes a numbered, typed placeholder."""

from __future__ import annotations

import pytest

from spcheck.graph.sanitise import REQUEST_HEADERS, RESPONSE_HEADERS, Sanitiser

BASE = "https://graph.microsoft.com/v1.0"


@pytest.fixture
def clean() -> Sanitiser:
    return Sanitiser(BASE, "Inspections")


@pytest.mark.parametrize(
    ("path", "template"),
    [
        (
            "/sites/contoso.sharepoint.com:/sites/inspections",
            "/sites/{hostname#1}:/sites/{site-path#2}",
        ),
        (
            "/sites/contoso.sharepoint.com%3A%2Fsites%2Finspections",
            "/sites/{hostname#1}:/sites/{site-path#2}",
        ),
        ("/sites/contoso.sharepoint.com,abc,def/drive", "/sites/{site-id#1}/drive"),
        ("/drives/b!x/root:/Inspections:", "/drives/{drive-id#1}/root:/{root-folder}:"),
        (
            "/drives/b!x/root:/Inspections/glenmorven-2026/GM-0001.txt:/content",
            "/drives/{drive-id#1}/root:/{root-folder}/{item-path#2}:/content",
        ),
        ("/drives/b!x/root:/Elsewhere/a.docx:", "/drives/{drive-id#1}/root:/{item-path#2}:"),
        (
            "/drives/b%21x/items/01AB%3A%2Fa%2Fb%3A/children",
            "/drives/{drive-id#1}/items/{item-id#2}:/{item-path#3}:/children",
        ),
        (
            "/drives/b!x/items/01AB/permissions/cGVy",
            "/drives/{drive-id#1}/items/{item-id#2}/permissions/{permission-id#3}",
        ),
        ("/drives/b!x/root/delta(token='abc')", "/drives/{drive-id#1}/root/delta(token={token#2})"),
        ("/users/alert.sender@council.example/sendMail", "/users/{email#1}/sendMail"),
        ("/users/0b1c2d3e/sendMail", "/users/{user#1}/sendMail"),
        ("/$batch", "/$batch"),
        ("/somethingNew/Private Name", "/{segment#1}/{segment#2}"),
    ],
)
def test_paths_keep_only_graphs_segment_names(clean: Sanitiser, path: str, template: str) -> None:
    assert clean.path(path) == template


def test_one_value_has_one_number_in_paths_bodies_and_links(clean: Sanitiser) -> None:
    path = clean.path("/drives/b!x/items/01AB/children")
    body = clean.body({"id": "01AB", "parentReference": {"driveId": "b!x", "id": "01AB"}})
    link = clean.link(f"{BASE}/drives/b!x/items/01AB/children?$skiptoken=zz&$top=5")
    assert path == "/drives/{drive-id#1}/items/{item-id#2}/children"
    assert body == {"id": "<id#2>", "parentReference": {"driveId": "<id#1>", "id": "<id#2>"}}
    assert (
        link == "<link:/drives/{drive-id#1}/items/{item-id#2}/children?$skiptoken={token#3}&$top=5>"
    )
    assert clean.link(
        "https://contoso.sharepoint.com/sites/x/_layouts/download.aspx?tempauth=t"
    ) == ("<url#4>")


def test_query_options_keep_graph_keywords_only(clean: Sanitiser) -> None:
    assert clean.query("$top=200&$select=id,name&token=latest&foo=Morag") == {
        "$top": "200",
        "$select": "id,name",
        "token": "latest",
        "foo": "{value#1}",
    }
    assert clean.query("token=aGVsbG8") == {"token": "{token#2}"}


def test_bodies_keep_shape_names_types_and_graph_words(clean: Sanitiser) -> None:
    body = {
        "id": "01AB",
        "name": "GM-0001 Morag.docx",
        "size": 1234,
        "deleted": None,
        "description": "",
        "webUrl": "https://contoso.sharepoint.com/sites/x/GM-0001.docx",
        "createdDateTime": "2026-09-07T09:00:00Z",
        "createdBy": {
            "user": {"displayName": "Morag Testperson", "email": "morag@council.example"}
        },
        "parentReference": {
            "driveType": "documentLibrary",
            "path": "/drives/b!x/root:/Inspections/glen",
        },
        "file": {"mimeType": "application/pdf", "hashes": {"quickXorHash": "AAAA"}},
        "shared": {"scope": "users"},
        "roles": ["write"],
        "link": {"type": "view", "scope": "anonymous", "preventsDownload": False},
        "error": {"code": "itemNotFound", "message": "Morag's file is gone"},
        "loginName": "i:0#.f|membership|morag@council.example",
        "@microsoft.graph.sharedChanged": "True",
        "Weird key with spaces": 1,
        "note": "0101011237",
        "other": "Morag",
    }
    assert clean.body(body) == {
        "id": "<id#1>",
        "name": "<file-name#2>",
        "size": 1234,
        "deleted": None,
        "description": "",
        "webUrl": "<url#3>",
        "createdDateTime": "<datetime>",
        "createdBy": {"user": {"displayName": "<name#4>", "email": "<email#5>"}},
        "parentReference": {
            "driveType": "documentLibrary",
            "path": "<path:/drives/{drive-id#6}/root:/{root-folder}/{item-path#7}>",
        },
        "file": {"mimeType": "application/pdf", "hashes": {"quickXorHash": "<hash>"}},
        "shared": {"scope": "users"},
        "roles": ["write"],
        "link": {"type": "view", "scope": "anonymous", "preventsDownload": False},
        "error": {"code": "itemNotFound", "message": "<text>"},
        "loginName": "<login#8>",
        "@microsoft.graph.sharedChanged": "True",
        "<key#9>": 1,
        "note": "<number-text>",
        "other": "<text>",
    }


def test_graph_words_are_kept_only_when_they_look_like_words(clean: Sanitiser) -> None:
    assert clean.body({"type": "Morag Testperson"}) == {"type": "<text>"}
    assert clean.body({"code": "x" * 200}) == {"code": "<text>"}


def test_headers_are_an_allowlist(clean: Sanitiser) -> None:
    sent = clean.headers(
        [
            ("Authorization", "Bearer secret"),
            ("If-Match", '"{ETAG},1"'),
            ("Prefer", "hierarchicalsharing"),
            ("Cookie", "x=1"),
        ],
        REQUEST_HEADERS,
    )
    assert sent == {"if-match": "<etag#1>", "prefer": "hierarchicalsharing"}
    got = clean.headers(
        [
            ("Retry-After", "7"),
            ("RateLimit-Remaining", "10"),
            ("x-ms-resource-unit", "2"),
            ("request-id", "0b1c2d3e-aaaa-bbbb-cccc-112233445566"),
            ("client-request-id", "not-a-guid-morag"),
            ("Location", "https://contoso.sharepoint.com/x.docx?tempauth=abc"),
            ("x-ms-ags-diagnostic", '{"ServerInfo":{}}'),
            ("Set-Cookie", "a=b"),
        ],
        RESPONSE_HEADERS,
    )
    assert got == {
        "retry-after": "7",
        "ratelimit-remaining": "10",
        "x-ms-resource-unit": "2",
        "request-id": "0b1c2d3e-aaaa-bbbb-cccc-112233445566",
        "client-request-id": "<id#2>",
        "location": "<url#3>",
    }


def test_batch_envelopes_keep_their_ids_and_template_their_urls(clean: Sanitiser) -> None:
    request = clean.batch_request(
        {
            "requests": [
                {"id": "1", "method": "get", "url": "/drives/b!x/items/01AB/permissions"},
                {
                    "id": "2",
                    "method": "POST",
                    "url": "/drives/b!x/items/01AB/invite",
                    "body": {"recipients": [{"email": "morag@council.example"}]},
                    "headers": {"Content-Type": "application/json", "Authorization": "Bearer t"},
                    "dependsOn": ["1"],
                },
            ]
        }
    )
    assert request == {
        "requests": [
            {
                "id": "1",
                "method": "GET",
                "url": "/drives/{drive-id#1}/items/{item-id#2}/permissions",
            },
            {
                "id": "2",
                "method": "POST",
                "url": "/drives/{drive-id#1}/items/{item-id#2}/invite",
                "headers": {"content-type": "application/json"},
                "body": {"recipients": [{"email": "<email#3>"}]},
                "dependsOn": ["1"],
            },
        ]
    }
    response = clean.batch_response(
        {
            "responses": [
                {"id": "1", "status": 200, "headers": {"Retry-After": "3"}, "body": {"value": []}},
                {"id": "2", "status": 200, "body": "UEsDBAo="},
            ]
        }
    )
    assert response == {
        "responses": [
            {"id": "1", "status": 200, "headers": {"retry-after": "3"}, "body": {"value": []}},
            {"id": "2", "status": 200, "body": {"content_chars": 8}},
        ]
    }
