"""docs/API.md names every JSON endpoint of the URL conf and every error code the code can
answer, so a client written from it meets nothing undocumented."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from tests.processes import BASE_DIR

API_DOC = (BASE_DIR / "docs" / "API.md").read_text()
CODE_CALL = re.compile(r'(?:RequestRefused|error_response)\(\s*\d{3},\s*"(\w+)"')


def documented_forms(route: str) -> list[str]:
    """A route as the doc writes it: ``api/jobs/<int:job_id>/cancel`` is
    ``/api/jobs/<id>/cancel``; a regex route gives one form per alternative."""
    route = route.strip("^$").replace("\\.", ".")
    route = re.sub(r"\(\?P<(\w+)>\\w\+\)", r"<\1>", route)
    if choice := re.search(r"\(\?P<\w+>([\w|]+)\)", route):
        alternatives = choice[1].split("|")
        return [f for a in alternatives for f in documented_forms(route.replace(choice[0], a))]
    return ["/" + re.sub(r"<(?:int:)?\w+_id>", "<id>", route)]


def api_routes(resolver=None, prefix: str = "") -> list[str]:
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes += api_routes(entry, route)
        elif isinstance(entry, URLPattern) and route.lstrip("^").startswith("api/"):
            routes.append(route)
    return routes


def test_every_api_endpoint_is_in_the_doc():
    routes = api_routes()
    assert len(routes) >= 9  # the walk found the API
    missing = [r for r in routes for form in documented_forms(r) if form not in API_DOC]
    assert missing == []


def test_every_error_code_the_code_answers_is_in_the_doc():
    sources = "".join(p.read_text() for p in (BASE_DIR / "basic").rglob("*.py"))
    codes = set(CODE_CALL.findall(sources))
    assert {"not_found", "too_many_jobs", "not_retryable"} <= codes  # the scan works
    assert sorted(c for c in codes if f"`{c}`" not in API_DOC) == []
