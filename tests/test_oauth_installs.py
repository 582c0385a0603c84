"""Many workspaces from one process: installed through Slack's OAuth flow (the install page,
Slack's consent, the redirect with its code and state), each then served with its own
token, its own settings and its own data, in one database.

The stand-in gives each workspace its own token and refuses, as a protocol error that
fails the test, any call whose token is another workspace's than the member it reaches,
and any call made with a token after its workspace uninstalled the app.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from bot.oauth import new_token_key
from bot.standin import SlackSender
from handlers import digest as digest_feature
from handlers import ids
from handlers.nudges import tick
from storage import installations
from tests.conftest import Bot, make_settings

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret-for-tests"


@dataclasses.dataclass
class Workspace:
    """One installed workspace: its id, members, and a sender signing as Slack for it."""

    team_id: str
    members: list[str]
    slack: SlackSender

    @property
    def installer(self) -> str:
        return self.members[0]


@pytest.fixture
def oauth_bot(tmp_path, standin, clock):
    """A bot serving every workspace that installs it (no token in the environment)."""
    standin.oauth_app(CLIENT_ID, CLIENT_SECRET)
    settings = make_settings(
        tmp_path,
        standin.api_url,
        bot_token=None,
        app_token=None,
        steering=frozenset(),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_key=new_token_key(),
        tick_seconds=3600,  # the tests tick themselves
    )
    bot = Bot(settings, standin, clock).start()
    yield bot
    bot.stop()


def base_url(bot: Bot) -> str:
    return bot.runtime.url.removesuffix("/slack/events")


def install(bot: Bot, team_id: str, members: int = 3) -> Workspace:
    """Create a workspace in the stand-in and install the bot there through OAuth."""
    standin = bot.standin
    standin.add_workspace(team_id, f"Network {team_id}")
    people = [f"U{team_id[1:]}M{n}" for n in range(members)]
    for person in people:
        standin.add_user(person, person.lower(), team_id=team_id)
    page = standin.install(base_url(bot), team_id, people[0])
    assert page.status_code == 200, page.text
    return Workspace(team_id, people, dataclasses.replace(bot.slack, team_id=team_id))


def command(bot: Bot, where: Workspace, text: str, user: str | None = None, name="/nudge"):
    """Type a command in ``where``; the ephemeral reply."""
    before = len(bot.standin.responses)
    answer = where.slack.command(name, text, user or where.installer)
    assert answer.status_code == 200, answer.text
    return bot.standin.wait_for_response(
        lambda r: any(r is new for new in bot.standin.responses[before:])
    )


def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def active(bot: Bot) -> list[str]:
    with bot.db() as db:
        return installations.active_team_ids(db)


def homes_published(bot: Bot, where: Workspace, count: int = 1) -> None:
    """Wait for the App Home republishes a command makes after its answer."""
    deadline = time.monotonic() + 5
    while (
        len(
            [
                c
                for c in bot.standin.calls
                if c.method == "views.publish" and c.team_id == where.team_id
            ]
        )
        < count
    ):
        assert time.monotonic() < deadline, "no App Home republished"
        time.sleep(0.02)


def calls_by_team(bot: Bot, method: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for call in list(bot.standin.calls):
        if call.method == method and call.status == 200 and not call.error:
            found.setdefault(call.team_id, []).append(call)
    return found


def test_two_workspaces_install_through_oauth_and_each_is_served_with_its_own_token(
    oauth_bot, clock
):
    council, health = install(oauth_bot, "T0COUNCIL"), install(oauth_bot, "T0HEALTH")
    with oauth_bot.db() as db:
        assert installations.active_team_ids(db) == ["T0COUNCIL", "T0HEALTH"]
        # the installer is each workspace's steering group until they name others
        assert installations.team_settings(db, "T0HEALTH").steering == {health.installer}
    reply = command(oauth_bot, council, "me to call the council in 20 minutes")
    assert "N1" in reply.text
    reply = command(oauth_bot, health, "me to call the trust in 20 minutes")
    assert "call the trust" in reply.text
    clock.advance(minutes=20)
    tick(oauth_bot.runtime.deps)
    council_dm = oauth_bot.standin.dms_to(council.installer)
    health_dm = oauth_bot.standin.dms_to(health.installer)
    assert [m.team_id for m in council_dm] == ["T0COUNCIL"]
    assert "call the council" in council_dm[0].text
    assert [m.team_id for m in health_dm] == ["T0HEALTH"]
    assert "call the trust" in health_dm[0].text
    # a button, pressed in its own workspace, with its own token
    done = health.slack.block_action(health.installer, ids.NUDGE_DONE, "2", message=health_dm[0])
    assert done.status_code == 200
    with oauth_bot.db() as db:
        statuses = {r["team_id"]: r["status"] for r in db.table("reminders").rows}
    assert statuses["T0HEALTH"] == "done" and statuses["T0COUNCIL"] != "done"
    tokens = {
        team: {c.team_id for c in calls}
        for team, calls in calls_by_team(oauth_bot, "chat.postMessage").items()
    }
    assert set(tokens) == {"T0COUNCIL", "T0HEALTH"}


def test_a_forged_state_or_a_replayed_code_installs_nothing(oauth_bot):
    standin, url = oauth_bot.standin, base_url(oauth_bot)
    import httpx

    standin.add_workspace("T0FORGED")
    code = standin.approve("T0FORGED", "U0MALLORY", ["commands"])
    forged = httpx.get(
        f"{url}/slack/oauth_redirect",
        params={"code": code, "state": "made-up"},
        headers={"Cookie": "slack-app-oauth-state=made-up"},
    )
    assert forged.status_code in (400, 401)
    with oauth_bot.db() as db:
        assert installations.get(db, "T0FORGED") is None
    # a real install, then its code replayed with a fresh state: refused by Slack, no change
    install(oauth_bot, "T0REAL")
    with oauth_bot.db() as db:
        first = installations.get(db, "T0REAL")
    used = max(c.params["code"] for c in standin.calls if c.method == "oauth.v2.access")
    with httpx.Client(base_url=url) as browser:
        page = browser.get("/slack/install")
        state = page.text.split("state=")[1].split("&")[0]
        cookie = page.headers["set-cookie"].split(";")[0]
        replay = browser.get(
            "/slack/oauth_redirect",
            params={"code": used, "state": state},
            headers={"Cookie": cookie},
        )
    assert replay.status_code >= 400
    with oauth_bot.db() as db:
        assert installations.get(db, "T0REAL") == first
    assert [c.error for c in standin.calls if c.method == "oauth.v2.access"][-1] == "invalid_code"


def test_uninstalling_stops_every_send_at_once_and_erases_after_the_retention(oauth_bot, clock):
    council, health = install(oauth_bot, "T0COUNCIL"), install(oauth_bot, "T0HEALTH")
    command(oauth_bot, council, "me to call the council-secret-contact in 20 minutes")
    command(oauth_bot, council, "Draft the council-secret-plan by Friday", name="/action")
    command(oauth_bot, health, "me to call the trust in 20 minutes")
    homes_published(oauth_bot, council, 2)
    standin, deps = oauth_bot.standin, oauth_bot.runtime.deps
    standin.uninstall("T0COUNCIL")  # Slack revokes the token at once ...
    assert council.slack.app_uninstalled().status_code == 200  # ... and tells the app
    until(lambda: active(oauth_bot) == ["T0HEALTH"])  # handled just after the ack
    with oauth_bot.db() as db:
        assert installations.get(db, "T0COUNCIL").sealed_token == ""
    clock.advance(minutes=20)
    tick(deps)
    assert standin.dms_to(council.installer) == []  # nothing sent (nor tried: the stand-in
    assert "call the trust" in standin.dms_to(health.installer)[0].text  # refuses revoked)
    # a command from the uninstalled workspace stores nothing
    council.slack.command("/nudge", "me to water the plants in 5 minutes", council.installer)
    with oauth_bot.db() as db:
        assert [
            r["text"] for r in db.table("reminders").rows_where("text = 'water the plants'")
        ] == []
    # kept through the retention ...
    clock.advance(days=29)
    assert digest_feature  # (the digest is covered below)
    from handlers.workspaces import erase_departed

    assert erase_departed(deps) == {}
    with oauth_bot.db() as db:
        assert db.execute("SELECT count(*) FROM actions WHERE team_id = 'T0COUNCIL'").fetchone()[0]
    # ... then erased, counted, and no trace left in the file
    clock.advance(days=2)
    erased = erase_departed(deps)
    assert set(erased) == {"T0COUNCIL"}
    assert erased["T0COUNCIL"]["reminders"] == 1 and erased["T0COUNCIL"]["actions"] == 1
    with oauth_bot.db() as db:
        for table in db.table_names():
            if "team_id" in db.table(table).columns_dict:
                left = db.execute(
                    f"SELECT count(*) FROM [{table}] WHERE team_id = 'T0COUNCIL'"
                ).fetchone()[0]
                assert left == 0, table
        assert db.execute("SELECT count(*) FROM reminders WHERE team_id = 'T0HEALTH'").fetchone()[0]
    from pathlib import Path

    path = Path(oauth_bot.settings.db_path)
    files = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"call the trust" in files  # the check can see text that is there
    assert b"council-secret" not in files


def test_reinstalling_within_the_retention_keeps_the_workspace(oauth_bot, clock):
    council = install(oauth_bot, "T0COUNCIL")
    command(oauth_bot, council, "Draft the plan by Friday", name="/action")
    homes_published(oauth_bot, council)
    oauth_bot.standin.uninstall("T0COUNCIL")
    council.slack.app_uninstalled()
    until(lambda: active(oauth_bot) == [])
    clock.advance(days=10)
    page = oauth_bot.standin.install(base_url(oauth_bot), "T0COUNCIL", council.installer)
    assert page.status_code == 200
    clock.advance(days=40)
    from handlers.workspaces import erase_departed

    assert erase_departed(oauth_bot.runtime.deps) == {}
    reply = command(oauth_bot, council, "list", name="/action")
    assert "Draft the plan" in reply.text


def test_tokens_revoked_stops_sends_too(oauth_bot, clock):
    council = install(oauth_bot, "T0COUNCIL")
    command(oauth_bot, council, "me to call the council in 20 minutes")
    homes_published(oauth_bot, council)
    oauth_bot.standin.uninstall("T0COUNCIL")
    bot_user = oauth_bot.standin.workspaces["T0COUNCIL"].bot_user_id
    assert council.slack.tokens_revoked([bot_user]).status_code == 200
    until(lambda: active(oauth_bot) == [])
    clock.advance(minutes=20)
    tick(oauth_bot.runtime.deps)
    assert oauth_bot.standin.dms_to(council.installer) == []
    with oauth_bot.db() as db:
        assert installations.active_team_ids(db) == []
