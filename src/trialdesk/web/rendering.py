"""Templates, the page's language and the per-application web state.

:class:`WebState` is built once by :func:`trialdesk.web.mount` and kept on
``app.state.web``: the Jinja environment (autoescaping on), the rate limiters and the
signer for pre-screen answers. :func:`render` fills every page with the translator, the
CSRF token, the language switch and (for staff) the navigation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from trialdesk.web import nav
from trialdesk.web.i18n import LANGUAGES, pick_language, translate
from trialdesk.web.security import RateLimiter, Signer, csrf_token, set_csrf_cookie
from trialdesk.web.wording import format_date, word

__all__ = ["LANG_COOKIE", "WebState", "language", "render", "web_state"]

LANG_COOKIE = "lang"


@dataclass
class WebState:
    env: Environment
    prescreen_limit: RateLimiter
    apply_limit: RateLimiter
    login_limit: RateLimiter
    signer: Signer
    cookie_secure: bool

    @classmethod
    def create(cls, secret: str | None, cookie_secure: bool) -> WebState:
        env = Environment(
            loader=PackageLoader("trialdesk.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        return cls(
            env=env,
            prescreen_limit=RateLimiter(limit=30, window=600),
            apply_limit=RateLimiter(limit=5, window=3600),
            login_limit=RateLimiter(limit=10, window=300),
            signer=Signer(secret or secrets.token_urlsafe(32), "prescreen-answers", 3600),
            cookie_secure=cookie_secure,
        )


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def language(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _switch_links(request: Request) -> list[dict[str, str]]:
    links = []
    for lang in LANGUAGES:
        query = dict(request.query_params)
        query["lang"] = lang
        links.append({"lang": lang, "href": f"{request.url.path}?{urlencode(query)}"})
    return links


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    actor: Any = None,
    lang: str | None = None,
    switch_form: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template``. ``lang`` forces the language (a switch sent by POST);
    ``switch_form`` ({"id", "action"}) makes the language switch submit that form, so what a
    family typed is carried in the POST body instead of being lost (or put in a URL)."""
    state = web_state(request)
    chosen = lang if lang in LANGUAGES else None
    lang = chosen or language(request)
    nav_items = []
    if actor is not None and getattr(actor, "user_id", None):
        nav_items = [
            item for item in nav.items() if item.permission is None or actor.can(item.permission)
        ]
    html = state.env.get_template(template).render(
        request=request,
        lang=lang,
        t=partial(_t, lang),
        word=partial(word, lang=lang),
        date=partial(_date, lang),
        csrf_token=csrf_token(request),
        languages=_switch_links(request),
        actor=actor,
        nav_items=nav_items,
        switch_form=switch_form,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    set_csrf_cookie(request, response, state.cookie_secure)
    if chosen or request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=state.cookie_secure,
            httponly=True,
            path="/",
        )
    return response


def _t(lang: str, key: str, **params: Any) -> str:
    return translate(key, lang, **params)


def _date(lang: str, day: date | None) -> str:
    return format_date(day, lang)
