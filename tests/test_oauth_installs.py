"""Many workspaces from one process: installed through Slack's OAuth flow (the install page,
Slack's consent, the redirect with its code and state), each then served with its own
token, its own settings and its own data, in one database.

The stand-in gives each workspace its own token and refuses, as a protocol error that
fails the test, any call whose token is another workspace's than the member it reaches,
and any call made with a token after its workspace uninstalled the app.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation

from bot.app import BOT_SCOPES
from bot.config import ConfigError, Settings
from bot.oauth import Pace, Workspaces, new_token_key
from bot.runtime import Runtime
from bot.standin import SlackSender
from handlers import digest as digest_feature
from handlers import ids, weekly
from handlers.nudges import tick
from handlers.workspaces import erase_departed
from storage import installations
from storage.db import connect, create, immediate
from tests.conftest import ANA, STEER, Bot, make_settings
from tests.outcomes import Outcomes, outcome_of
from tests.test_permissions import MAKE, ROLES, TABLE, modal

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


# --- the permission table, across two workspaces ----------------------------------------


def test_who_may_do_what_holds_in_each_workspace_and_nothing_crosses(oauth_bot, people, caplog):
    """tests/test_permissions.py's table, in a workspace installed through OAuth, with a
    fifth role: a member of another workspace (installed in the same process), who may
    touch nothing of the first, and whose own workspace's steering group is not the first's."""

    standin = oauth_bot.standin
    standin.add_workspace("T0001", "The first network")
    assert standin.install(base_url(oauth_bot), "T0001", STEER).status_code == 200
    other = install(oauth_bot, "T0OTHER", members=2)  # its installer steers it, not STEER
    outsider = other.members[1]
    senders = {**dict.fromkeys(ROLES, oauth_bot.slack), "outsider": other.slack}
    users = {**ROLES, "outsider": outsider}
    outcomes = Outcomes(caplog)

    serial = iter(range(1, 10_000))

    def fresh(kind: str) -> int | str:
        command_, text, table, user, column = (*MAKE[kind], ROLES["author"], "id")[:5]
        oauth_bot.command(command_, text.format(n=next(serial)), user)
        outcomes.next()
        with oauth_bot.db() as db:
            return max(db.table(table).rows, key=lambda row: row["id"])[column]

    def state() -> list:
        with oauth_bot.db() as db:
            return [
                list(db.table(t).rows)
                for t in ("actions", "action_events", "reflections", "reminders")
            ]

    def do(what: str, role: str) -> str:
        slack, user = senders[role], users[role]
        if what.startswith("/"):
            command_, _, text = what.partition(" ")
            assert slack.command(command_, text, user).status_code == 200
        elif what.startswith("button "):
            _, action_id, value = what.split(" ")
            assert slack.block_action(user, action_id, value).status_code == 200
        else:
            _, callback, value = what.split(" ")
            view, values = modal(callback, value, oauth_bot)
            answer = slack.view_submission(user, {**view, "id": "V0FORM"}, values)
            assert answer.status_code == 200
        return outcome_of(outcomes.next())

    mismatches, trials = [], 0
    for row in TABLE:
        what, allowed, setup, setup_user = (
            (*row, None, ROLES["author"])[:4] if len(row) < 3 else (*row, ROLES["author"])[:4]
        )
        mine = re.findall(r"\{(\w)\}", what + (setup or ""))
        # the outsider may do in their own workspace what any member may, never to ours
        outsider_may = not mine and "other" in allowed
        for role in users:
            made = {kind: fresh(kind) for kind in mine}
            if setup:
                setup_role = next(r for r, u in ROLES.items() if u == setup_user)
                do(setup.format(**made), setup_role)
            before = state()
            outcome = do(what.format(**made), role)
            trials += 1
            assert outcome in ("ok", "NotAllowed", "NotFound"), (what, role, outcome)
            if outcome != "ok":
                assert state() == before, (what, role)
            may = outsider_may if role == "outsider" else role in allowed
            if (outcome == "ok") != may:
                mismatches.append(f"{what} by {role}: {outcome}")
    print(f"permissions across workspaces: {trials} trials, {len(mismatches)} off the table")
    assert mismatches == []
    # every message went to a member of the workspace whose token sent it (the stand-in
    # refuses any other as a protocol error), and the first's words never reached the other
    for message in list(standin.messages):
        assert message.team_id in ("T0001", "T0OTHER")
        if message.team_id == "T0OTHER":
            assert "Permissions check" not in (message.text or ""), message.text
            assert "thought" not in (message.text or ""), message.text


# --- digests, and fifty workspaces ------------------------------------------------------


def run_catch_up(bot: Bot) -> None:
    """Run the digest's minute job (each workspace's digest, if due), as APScheduler does."""
    weekly._catch_up(bot.runtime.deps, bot.runtime._scheduler, digest_feature.DIGEST_POST)


def test_each_workspace_gets_its_own_digest_in_its_own_channel_with_its_own_token(oauth_bot, clock):
    council, health = install(oauth_bot, "T0COUNCIL"), install(oauth_bot, "T0HEALTH")
    for where, channel in ((council, "C0COUNCILNEWS"), (health, "C0HEALTHNEWS")):
        oauth_bot.standin.add_channel(channel, "news")
        reply = command(
            oauth_bot,
            where,
            f"settings channel <#{channel}|news> day tue time 10:30",
            name="/digest",
        )  # the installer is steering
        assert "Saved" in reply.text, reply.text
    command(oauth_bot, council, "Mend the council-only fence", name="/action")
    command(oauth_bot, health, "Audit the health-only ward", name="/action")
    assert oauth_bot.standin.messages_to("C0COUNCILNEWS") == []  # not due yet
    clock.advance(minutes=31)
    run_catch_up(oauth_bot)
    until(lambda: oauth_bot.standin.messages_to("C0HEALTHNEWS") != [])
    until(lambda: oauth_bot.standin.messages_to("C0COUNCILNEWS") != [])
    [council_post] = oauth_bot.standin.messages_to("C0COUNCILNEWS")
    [health_post] = oauth_bot.standin.messages_to("C0HEALTHNEWS")
    assert council_post.team_id == "T0COUNCIL" and health_post.team_id == "T0HEALTH"
    council_words = str(council_post.blocks) + (council_post.text or "")
    health_words = str(health_post.blocks) + (health_post.text or "")
    assert "1 action created" in council_post.text and "1 action created" in health_post.text
    assert "health-only" not in council_words and "council-only" not in health_words
    run_catch_up(oauth_bot)  # once per week and workspace
    assert len(oauth_bot.standin.messages_to("C0COUNCILNEWS")) == 1


def test_fifty_workspaces_in_one_database_each_served_with_its_own_token(oauth_bot, clock):
    spaces = [install(oauth_bot, f"T{n:03d}NET") for n in range(50)]
    assert len(active(oauth_bot)) == 50
    for n, where in enumerate(spaces):
        reply = command(oauth_bot, where, f"me to ring partner {n} in 20 minutes")
        assert f"ring partner {n}" in reply.text
        channel = f"C{n:03d}NEWS"
        oauth_bot.standin.add_channel(channel, "news")
        command(
            oauth_bot,
            where,
            f"settings channel <#{channel}|news> day tue time 10:30",
            name="/digest",
        )
        command(oauth_bot, where, f"Plan the network-{n}-meetup", name="/action")
    clock.advance(minutes=31)
    tick(oauth_bot.runtime.deps)
    run_catch_up(oauth_bot)
    for n in range(len(spaces)):
        until(lambda n=n: oauth_bot.standin.messages_to(f"C{n:03d}NEWS") != [])
    standin = oauth_bot.standin
    for n, where in enumerate(spaces):
        [dm] = standin.dms_to(where.installer)
        assert dm.team_id == where.team_id and f"ring partner {n}" in dm.text
        [post] = standin.messages_to(f"C{n:03d}NEWS")
        assert post.team_id == where.team_id
        words = str(post.blocks)
        others = [m for m in range(50) if m != n and f"network-{m}-meetup" in words]
        assert others == [], (n, others)
        # a button in its own workspace: the reminder is done there and nowhere else
        reminder_id = dm.blocks[-1]["elements"][0]["value"]
        assert (
            where.slack.block_action(
                where.installer, ids.NUDGE_DONE, reminder_id, message=dm
            ).status_code
            == 200
        )
    with oauth_bot.db() as db:
        until(
            lambda: (
                db.execute("SELECT count(*) FROM reminders WHERE status = 'done'").fetchone()[0]
                == 50
            )
        )
        rows = db.execute("SELECT team_id, user_id FROM reminders").fetchall()
    assert {(t, u) for t, u in rows} == {(w.team_id, w.installer) for w in spaces}
    # every message any workspace received was sent with that workspace's own token
    assert {m.team_id for m in standin.messages} == {w.team_id for w in spaces}


def test_the_stand_in_refuses_a_message_to_another_workspace(standin):

    standin.oauth_app(CLIENT_ID, CLIENT_SECRET)
    standin.add_user("U0THEIRS", team_id="T0THEIRS")
    code = standin.approve("T0MINE", "U0MINE")
    client = WebClient(base_url=standin.api_url)
    token = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)[
        "access_token"
    ]
    mine = WebClient(token=token, base_url=standin.api_url)
    assert mine.auth_test()["team_id"] == "T0MINE"
    standin.expect_protocol_errors()
    with pytest.raises(SlackApiError, match="channel_not_found"):
        mine.chat_postMessage(channel="U0THEIRS", text="not yours")
    assert [e.error for e in standin.protocol_errors] == ["channel_not_found"]
    with pytest.raises(SlackApiError, match="invalid_code"):
        client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)


# --- settings ---------------------------------------------------------------------------


def test_oauth_settings_are_read_and_checked():

    key = new_token_key()
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "s", "NUDGE_TOKEN_KEY": key}
    settings = Settings.from_env(env)
    assert settings.oauth and settings.retention_days == 30
    assert CLIENT_SECRET not in repr(settings) and key not in repr(settings)
    assert Settings.from_env({**env, "NUDGE_RETENTION_DAYS": "7"}).retention_days == 7
    assert not Settings.from_env({}).oauth
    for bad, says in [
        ({"SLACK_CLIENT_ID": CLIENT_ID}, "go together"),
        ({**env, "NUDGE_TOKEN_KEY": ""}, "nudge token-key"),
        ({**env, "NUDGE_TOKEN_KEY": "not-a-key"}, "not a key"),
        ({**env, "NUDGE_RETENTION_DAYS": "0"}, "NUDGE_RETENTION_DAYS"),
        ({**env, "NUDGE_RETENTION_DAYS": "thirty"}, "NUDGE_RETENTION_DAYS"),
    ]:
        with pytest.raises(ConfigError, match=says):
            Settings.from_env(bad)


def test_installs_by_many_workspaces_are_refused_in_socket_mode(tmp_path, standin):

    settings = make_settings(
        tmp_path,
        standin.api_url,
        bot_token=None,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_key=new_token_key(),
    )
    with pytest.raises(ConfigError, match="HTTP mode"):
        Runtime(settings, http=False).start()


def test_an_install_asks_for_the_manifests_scopes(oauth_bot):

    manifest = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    install(oauth_bot, "T0COUNCIL")
    assert sorted(oauth_bot.standin.workspaces["T0COUNCIL"].scopes) == sorted(BOT_SCOPES)
    with oauth_bot.db() as db:
        assert sorted(installations.get(db, "T0COUNCIL").scopes) == sorted(BOT_SCOPES)


def test_nudge_check_reports_the_workspaces(oauth_bot):
    council = install(oauth_bot, "T0COUNCIL")
    install(oauth_bot, "T0HEALTH")
    oauth_bot.standin.uninstall("T0COUNCIL")
    council.slack.app_uninstalled()
    until(lambda: active(oauth_bot) == ["T0HEALTH"])
    settings = oauth_bot.settings
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_CLIENT_ID": settings.client_id,
        "SLACK_CLIENT_SECRET": settings.client_secret,
        "NUDGE_TOKEN_KEY": settings.token_key,
        "NUDGE_DB": settings.db_path,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    assert "workspaces: 1 installed, 1 uninstalled and kept" in done.stdout
    assert "T0COUNCIL: erased after 2026-12-31" in done.stdout
    assert settings.client_secret not in done.stdout + done.stderr


# --- /network: the workspace's own settings ---------------------------------------------


def test_the_installer_steers_until_they_name_others_then_the_steering_group_changes_settings(
    oauth_bot,
):
    council, health = install(oauth_bot, "T0COUNCIL", members=4), install(oauth_bot, "T0HEALTH")
    installer, ana, pete, sam = council.members
    shown = command(oauth_bot, council, "", user=sam, name="/network").text
    assert f"<@{installer}>" in shown and "Europe/London" in shown
    refused = command(oauth_bot, council, f"steering <@{sam}|sam>", user=sam, name="/network")
    assert "Only the steering group" in refused.text
    reply = command(
        oauth_bot,
        council,
        f"steering <@{ana}|ana>, <@{pete}|pete>",
        user=installer,
        name="/network",
    )
    assert (
        "Saved" in reply.text and f"<@{ana}>" in reply.text and f"<@{installer}>" not in reply.text
    )
    # the installer handed over: no longer steering; Ana is
    digest = "settings channel <#C0NEWS|news>"
    assert (
        "Only the steering group"
        in command(oauth_bot, council, digest, user=installer, name="/digest").text
    )
    assert "Saved" in command(oauth_bot, council, digest, user=ana, name="/digest").text
    reply = command(oauth_bot, council, "zone Europe/Dublin", user=pete, name="/network")
    assert "Europe/Dublin" in reply.text
    reply = command(oauth_bot, council, "steering group @leads", user=pete, name="/network")
    assert "@leads" in reply.text
    for bad, says in [
        ("zone Mars/Olympus", "time zone"),
        ("steering @nobody", "pick them"),
        ("steering", "with @"),
        ("frobnicate", "/network steering"),
    ]:
        assert says in command(oauth_bot, council, bad, user=pete, name="/network").text, bad
    deps = oauth_bot.runtime.deps
    council_settings = deps.for_team("T0COUNCIL").settings
    assert council_settings.timezone == "Europe/Dublin"
    assert council_settings.steering == {ana, pete} and council_settings.steering_group == "leads"
    health_settings = deps.for_team("T0HEALTH").settings  # the other workspace: untouched
    assert health_settings.timezone == "Europe/London"
    assert health_settings.steering == {health.installer} and not health_settings.steering_group


def test_run_for_one_workspace_network_shows_the_environment_and_changes_nothing(bot):

    shown = bot.command("/network", "", ANA).text
    assert "from the environment" in shown and f"<@{STEER}>" in shown
    refused = bot.command("/network", "zone Europe/Paris", STEER).text
    assert "NUDGE_TIMEZONE" in refused
    with bot.db() as db:
        assert list(db.table("team_settings").rows) == []


def test_overdue_nudges_and_app_homes_go_to_each_workspace_with_its_own_token(oauth_bot):

    council, health = install(oauth_bot, "T0COUNCIL"), install(oauth_bot, "T0HEALTH")
    for where, title in ((council, "Mend the council fence"), (health, "Audit the health ward")):
        command(oauth_bot, where, title, name="/action")
        homes_published(oauth_bot, where)
    with oauth_bot.db() as db, immediate(db):
        db.execute("UPDATE actions SET due = '2026-11-30', owner_id = creator_id")
    tick(oauth_bot.runtime.deps)  # 10:00 in London: past 09:00, the day's overdue nudges
    standin = oauth_bot.standin
    for where, title in ((council, "Mend the council fence"), (health, "Audit the health ward")):
        [nudge] = [m for m in standin.dms_to(where.installer) if "overdue" in (m.text or "")]
        assert nudge.team_id == where.team_id and title in nudge.text
    for where in (council, health):
        before = len(standin.views)
        answer = where.slack.event(
            {"type": "app_home_opened", "user": where.installer, "tab": "home"}
        )
        assert answer.status_code == 200
        until(lambda before=before: len(standin.views) > before)
        call = [c for c in standin.calls if c.method == "views.publish"][-1]
        assert call.team_id == where.team_id and call.params["user_id"] == where.installer


def test_requests_are_authorised_from_the_store_without_asking_slack_each_time(oauth_bot):
    council = install(oauth_bot, "T0COUNCIL")
    standin = oauth_bot.standin
    before = len([c for c in standin.calls if c.method == "auth.test"])
    for n in range(5):
        command(oauth_bot, council, f"me to check {n} tomorrow at 9am")
    after = len([c for c in standin.calls if c.method == "auth.test"])
    assert after - before <= 1  # the first request's, then the cached answer


def test_each_workspace_is_paced_on_its_own(tmp_path, standin, clock):

    settings = make_settings(
        tmp_path,
        standin.api_url,
        bot_token=None,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_key=new_token_key(),
    )

    create(settings.db_path).close()

    @contextmanager
    def db():
        conn = connect(settings.db_path)
        try:
            yield conn
        finally:
            conn.close()

    workspaces = Workspaces(settings, db, clock)
    standin.oauth_app(CLIENT_ID, CLIENT_SECRET)
    for team_id in ("T0BUSY", "T0QUIET"):
        answer = standin._oauth_v2_access(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "code": standin.approve(team_id, "U0X"),
            }
        )

        workspaces.installations.save(
            Installation(
                team_id=team_id, bot_token=answer["access_token"], user_id="U0X", bot_user_id="UB"
            )
        )
    busy, quiet_ = workspaces.client("T0BUSY"), workspaces.client("T0QUIET")
    assert busy is workspaces.client("T0BUSY") and busy.pace is not quiet_.pace
    busy.pace.interval, busy.pace.burst = 0.05, 2
    busy.pace._tokens = 2.0
    slept = [busy.pace.wait() for _ in range(5)]
    assert slept[:2] == [0.0, 0.0] and sum(slept) >= 0.1  # past its burst, one each 0.05 s
    assert quiet_.pace.wait() == 0.0  # the other workspace never waits for the busy one
    assert isinstance(busy.pace, Pace)
    busy.chat_postMessage(channel="C0NEWS", text="paced")
    assert [c.team_id for c in standin.calls if c.method == "chat.postMessage"] == ["T0BUSY"]


def test_the_monday_review_is_posted_in_each_workspace_with_its_own_token(oauth_bot, clock):
    from handlers import review as review_feature

    council, health = install(oauth_bot, "T0COUNCIL"), install(oauth_bot, "T0HEALTH")
    for where, channel in ((council, "C0COUNCILSTEER"), (health, "C0HEALTHSTEER")):
        oauth_bot.standin.add_channel(channel, "steering")
        reply = command(
            oauth_bot,
            where,
            f"review settings channel <#{channel}|steering>",
            name="/action",
        )  # the installer is steering
        assert "C0" in reply.text, reply.text
        command(oauth_bot, where, f"Chase the {where.team_id} grant", name="/action")
    with oauth_bot.db() as db, immediate(db):
        db.execute("UPDATE actions SET due = '2026-11-30'")  # overdue by the Monday
    clock.set(clock().replace(day=7, hour=9, minute=1))  # Monday 7 December, 09:01 London
    deps, scheduler = oauth_bot.runtime.deps, oauth_bot.runtime._scheduler
    weekly._catch_up(deps, scheduler, review_feature.REVIEW_POST)
    [council_post] = oauth_bot.standin.messages_to("C0COUNCILSTEER")
    [health_post] = oauth_bot.standin.messages_to("C0HEALTHSTEER")
    assert council_post.team_id == "T0COUNCIL" and health_post.team_id == "T0HEALTH"
    assert "Chase the T0COUNCIL grant" in str(council_post.blocks)  # its own overdue action
    assert "T0HEALTH" not in str(council_post.blocks) and "T0COUNCIL" not in str(health_post.blocks)
    weekly._catch_up(deps, scheduler, review_feature.REVIEW_POST)  # once a week each
    assert len(oauth_bot.standin.messages_to("C0COUNCILSTEER")) == 1
    with oauth_bot.db() as db:
        keys = {r["key"] for r in db.table("deliveries").rows_where("kind = 'review'")}
    assert {k.split(":")[1] for k in keys} == {"T0COUNCIL", "T0HEALTH"}
