"""Many workspaces in one stand-in: each with its own bot token, installed through Slack's
OAuth flow as a browser and Slack do it, and uninstalled again.

A token belongs to one workspace: ``auth.test`` answers that workspace, and a message, a
view or a user look-up for a member of another workspace is refused as Slack refuses it
(``channel_not_found``, ``user_not_found``) *and* kept in ``protocol_errors``, so a test
fails on any send that crosses workspaces (a user look-up across them is answered
``user_not_found``, as Slack does). A revoked token (the workspace uninstalled the
app) is refused with ``token_revoked`` and kept there too: nothing may be sent after it.

    >>> code = standin.approve("T0HEALTH", "U0ANA")  # doctest: +SKIP
    >>> bot_client.oauth_v2_access(client_id=..., client_secret=..., code=code)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

__all__ = ["Installs", "Workspace", "CODE_SECONDS"]

CODE_SECONDS = 600  # Slack's codes expire after ten minutes, and work once
_AUTHORIZE = re.compile(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"')


@dataclass
class Workspace:
    """A workspace of the stand-in: its name, bot user and current bot token (if installed)."""

    team_id: str
    name: str
    bot_user_id: str
    token: str | None = None
    installer_id: str | None = None
    scopes: list[str] = field(default_factory=list)


class Installs:
    """Workspaces, their tokens, and ``oauth.v2.access``; mixed into ``SlackStandIn``."""

    team_id: str
    bot_token: str
    bot_user_id: str
    _methods: dict
    _record: Any
    protocol_errors: list
    users: dict[str, dict[str, Any]]

    def __init__(self) -> None:
        super().__init__()  # Methods: the methods this adds to
        self.workspaces: dict[str, Workspace] = {}
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self._codes: dict[str, tuple[str, str, float, list[str]]] = {}  # -> team, user, when
        self._used_codes: set[str] = set()
        self._tokens: dict[str, str] = {}  # token -> team, for every token ever given
        self._revoked: set[str] = set()
        self._install_ids = itertools.count(1)
        self._caller = threading.local()
        self._methods["oauth.v2.access"] = self._oauth_v2_access

    # --- set-up --------------------------------------------------------------------

    def oauth_app(self, client_id: str, client_secret: str) -> None:
        """The app's credentials (Basic Information), which ``oauth.v2.access`` checks."""
        self.client_id, self.client_secret = client_id, client_secret

    def add_workspace(self, team_id: str, name: str | None = None) -> Workspace:
        """A workspace Nudge is not yet installed in (add its members with ``add_user``).

        >>> standin.add_workspace("T0HEALTH", "Health network").token is None  # doctest: +SKIP
        True
        """
        workspace = Workspace(team_id, name or team_id, bot_user_id=f"UB{team_id[1:]}")
        self.workspaces[team_id] = workspace
        return workspace

    def approve(
        self, team_id: str, installer_id: str, scopes: list[str] | tuple[str, ...] = ()
    ) -> str:
        """The installer pressed Allow on Slack's page: a one-time code for the redirect."""
        if team_id not in self.workspaces:
            self.add_workspace(team_id)
        code = f"{next(self._install_ids)}.{team_id}.{int(time.time())}.code"
        self._codes[code] = (team_id, installer_id, time.monotonic(), list(scopes))
        return code

    def install(self, base_url: str, team_id: str, installer_id: str) -> httpx.Response:
        """Install the bot at ``base_url`` in ``team_id`` as a browser and Slack do it:
        open ``/slack/install``, follow its "Add to Slack" link (Slack asks the installer,
        who allows), come back to ``/slack/oauth_redirect`` with the code and the state,
        carrying the cookie the install page set. Returns the redirect page's response."""
        with httpx.Client(base_url=base_url, timeout=10) as browser:
            page = browser.get("/slack/install")
            page.raise_for_status()
            # the state's cookie is Secure, which a browser keeps for http://localhost but
            # http.cookiejar does not: carried by hand, as the browser would
            cookie = page.headers.get("set-cookie", "").split(";")[0]
            found = _AUTHORIZE.search(page.text)
            if found is None:
                raise AssertionError(f"no Add to Slack link on the install page: {page.text}")
            asked = parse_qs(urlsplit(found.group(1).replace("&amp;", "&")).query)
            if asked.get("client_id") != [self.client_id]:
                raise AssertionError(f"the install asked for client {asked.get('client_id')}")
            scopes = (asked.get("scope") or [""])[0].split(",")
            code = self.approve(team_id, installer_id, scopes)
            state = asked["state"][0]
            return browser.get(
                "/slack/oauth_redirect",
                params={"code": code, "state": state},
                headers={"Cookie": cookie} if cookie else {},
            )

    def uninstall(self, team_id: str) -> None:
        """The workspace removed the app: its token stops working at once (``token_revoked``).

        Slack then sends ``app_uninstalled`` (``SlackSender.app_uninstalled``)."""
        workspace = self.workspaces[team_id]
        if workspace.token:
            self._revoked.add(workspace.token)
        workspace.token = None

    # --- the calls -----------------------------------------------------------------

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token belongs to (the environment's token: ``team_id``)."""
        if token == self.bot_token:
            return self.team_id
        return self._tokens.get(token or "")

    def _token_known(self, token: str) -> bool:
        return token in self._tokens

    def _token_revoked(self, token: str) -> bool:
        return token in self._revoked

    def caller_team(self) -> str:
        """The workspace of the call being answered (its token's)."""
        return getattr(self._caller, "team", None) or self.team_id

    def _caller_bot(self) -> str:
        team = self.caller_team()
        found = self.workspaces.get(team)
        return found.bot_user_id if found else self.bot_user_id

    def _check_member(self, user_id: str, error: str, *, look_up: bool = False) -> None:
        """Refuse a user of another workspace than the caller's: as a protocol error for a
        send (a message or a view crossing workspaces is a bug), as Slack's plain answer
        for a look-up (``look_up``: asking whether someone is a member is fair)."""
        from bot.standin.methods import Reject

        user = self.users.get(user_id)
        if user is not None and user.get("team_id") != self.caller_team():
            if look_up:
                raise Reject(error, business=True)
            where = f"{user_id} is in {user.get('team_id')}, the token in {self.caller_team()}"
            raise Reject(error, [f"[ERROR] {where}"])

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        from bot.standin.methods import Reject, missing

        missing(params, "code")
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if (client_id, client_secret) != (self.client_id, self.client_secret) or not client_id:
            raise Reject("invalid_client_id", business=True)
        code = params["code"]
        issued = self._codes.get(code)
        if issued is None or code in self._used_codes:
            raise Reject("invalid_code", business=True)
        self._used_codes.add(code)
        team_id, installer_id, at, scopes = issued
        if time.monotonic() - at > CODE_SECONDS:
            raise Reject("code_expired", business=True)
        workspace = self.workspaces[team_id]
        if workspace.token:
            self._revoked.add(workspace.token)  # a reinstall gives a new token
        workspace.token = f"xoxb-{team_id}-{next(self._install_ids)}-installed"
        workspace.installer_id, workspace.scopes = installer_id, scopes
        self._tokens[workspace.token] = team_id
        return {
            "access_token": workspace.token,
            "token_type": "bot",
            "scope": ",".join(scopes),
            "bot_user_id": workspace.bot_user_id,
            "app_id": "A0NUDGE",
            "team": {"id": team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": installer_id},
        }


def basic_credentials(header: str) -> dict[str, str]:
    """``client_id`` and ``client_secret`` from an ``Authorization: Basic`` header."""
    if not header.startswith("Basic "):
        return {}
    try:
        decoded = base64.b64decode(header[6:]).decode()
    except ValueError:
        return {}
    client_id, _, secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": secret}
