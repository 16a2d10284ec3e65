"""Swagger UI and ReDoc work on an intranet without Internet access: every asset comes from
the app itself."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
JS_STRING_URL = re.compile(r"""["'](/[^"'\s]*\.(?:js|css|png|json))["']""")


def _references(html: str) -> list[str]:
    return ATTRIBUTE.findall(html) + JS_STRING_URL.findall(html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_is_self_contained(client, page):
    r = await client.get(page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "http://" not in html and "https://" not in html, "the page names an external host"
    assert "//" not in "".join(ATTRIBUTE.findall(html)), "protocol-relative URL"
    refs = _references(html)
    assets = [ref for ref in refs if ref.endswith((".js", ".css"))]
    assert assets, f"no script or stylesheet found in {page}"
    for ref in refs:
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.IGNORECASE), ref  # no scheme at all
        served = await client.get(urljoin(page, ref))
        assert served.status_code == 200, ref
        assert served.content, ref


async def test_swagger_ui_assets_are_served(client):
    html = (await client.get("/docs")).text
    refs = _references(html)
    js = next(ref for ref in refs if ref.endswith("swagger-ui-bundle.js"))
    css = next(ref for ref in refs if ref.endswith("swagger-ui.css"))
    r = await client.get(js)
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    r = await client.get(css)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


async def test_redoc_assets_are_served(client):
    refs = _references((await client.get("/redoc")).text)
    js = next(ref for ref in refs if ref.endswith("redoc.standalone.js"))
    r = await client.get(js)
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]


async def test_docs_load_the_apps_own_openapi(client):
    html = (await client.get("/docs")).text
    assert "'/openapi.json'" in html or '"/openapi.json"' in html
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert r.json()["openapi"].startswith("3.1")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_csp_allows_only_this_origin(client, page):
    csp = (await client.get(page)).headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "http" not in csp and "*" not in csp


async def test_oauth2_redirect_page_is_local(client):
    r = await client.get("/docs/oauth2-redirect")
    assert r.status_code == 200
    assert "http://" not in r.text and "https://" not in r.text
