"""The console at a terminal, or run from a script: lines read, forms filled, the program.

:class:`Terminal` reads what the person types (or the script's next line, echoed after
its prompt, so a transcript reads the same either way), hands each line to the
:class:`~bot.console.Console`, waits for the bot, then asks the member to fill each form
the bot opened for them, field by field. :func:`main` is ``nudge console``: the bot's log
to a file, the terminal's Ctrl-C to the console alone, then the loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.console import CONSOLE_SECRET, FILES_NAME, LOG_NAME, Console
from bot.console_forms import CHOICES, Field, Lookup, choices_line, field_prompt, form_fields
from bot.console_forms import read_answer as read_field
from bot.console_lines import user_id_for
from bot.console_screen import shown_path
from bot.logs import RedactSecrets, configure_logging
from bot.standin import View, close_view, submit_view

__all__ = ["ErrorLine", "Terminal", "main"]


class _Cancelled(Exception):
    """The member closed the form (``:cancel`` or Ctrl-C)."""


class _Leaving(Exception):
    """The member left (``:quit`` or the end of input) while a form was open."""


@dataclass
class Terminal:
    """Reads lines for a running console until ``:quit`` or the end of input."""

    console: Console
    lines: Iterator[str] = field(default_factory=lambda: iter(()))

    @property
    def interactive(self) -> bool:
        """Typed at a terminal (else read from a script and echoed)."""
        return self.console.interactive

    def say(self, text: str) -> None:
        """Print to the screen."""
        self.console.say(text)

    def read(self, prompt: str) -> str | None:
        """The next line, typed at ``prompt`` (or the next scripted one, echoed after it);
        ``None`` at the end of input."""
        screen = self.console.screen
        screen.prompt = prompt
        if not self.interactive:
            line = next(self.lines, None)
            if line is not None:
                line = line.rstrip("\r\n")
                self.say(f"{prompt}{line}".rstrip())
            return line
        screen.at_prompt = True
        try:
            return input(prompt)
        except EOFError:
            self.say("")
            return None
        finally:
            screen.at_prompt = False

    def step(self, line: str) -> bool:
        """Handle a line, wait for the bot, fill the forms it opens; ``False`` to quit."""
        if not self.console.handle(line):
            return False
        self.console.settle()
        more = self.fill_forms()
        self.console.screen.mark_home_changes()
        return more

    def run(self) -> int:
        """Read lines until ``:quit`` or the end of input; 0 when all went well."""
        console = self.console
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (history and editing for input())
            database, files = Path(console.settings.db_path), console.files_dir
            self.say(
                "Nudge console: the real bot against a stand-in for Slack. :help for help.\n"
                f"Database {shown_path(database)} · the bot's log "
                f"{shown_path(console.log_path)} · files it sends {shown_path(files)}/\n"
                f"You are {console.member}."
            )
        while True:
            try:
                line = self.read(console.prompt)
            except KeyboardInterrupt:  # Ctrl-C cancels the line being typed
                self.say("")
                continue
            if line is None:
                break
            try:
                if not self.step(line):
                    break
            except KeyboardInterrupt:  # Ctrl-C while waiting on the bot: back to the prompt
                self.say("(stopped waiting)")
        if not self.interactive:
            console.settle(quiet=1.0, limit=30.0)
            console.screen.mark_home_changes()
        return 0

    # --- forms --------------------------------------------------------------------------

    def fill_forms(self) -> bool:
        """Ask the member to fill each modal the bot opened for them; ``False`` to quit."""
        console = self.console
        user_id = user_id_for(console.member)
        while opened := console.standin.open_modals(user_id):
            try:
                self._fill(opened[-1])
            except _Cancelled:
                close_view(console.standin, console.sender, user_id, opened[-1])
                self.say("(form closed)")
            except _Leaving:
                for view in reversed(console.standin.open_modals(user_id)):
                    close_view(console.standin, console.sender, user_id, view)
                return False
            console.settle()
        return True

    def _fill(self, view: View) -> None:
        """One modal: show it, ask each field, submit; again with Slack's errors, if any."""
        console, user_id = self.console, view.user_id or ""
        console.screen.show_form(view)
        fields = form_fields(view.view)
        submit = (view.view.get("submit") or {}).get("text")
        if not submit:
            close_view(console.standin, console.sender, user_id, view)
            self.say("(nothing to fill in; closed)")
            return
        values: dict[tuple[str, str], Any] = {(f.block_id, f.action_id): f.initial for f in fields}
        errors: dict[str, str] = {}
        ask = fields
        while True:
            for one in ask:
                if one.block_id in errors:
                    self.say(f"  ⚠ {one.label}: {errors[one.block_id]}")
                key = (one.block_id, one.action_id)
                values[key] = self._ask(one, values[key])
            self._confirm(submit)
            submitted = submit_view(console.standin, console.sender, user_id, view, values)
            if submitted.failed:
                self.say(f"  (Slack shows: {submitted.failed})")
                close_view(console.standin, console.sender, user_id, view)
                return
            if submitted.errors:
                errors = submitted.errors
                ask = [f for f in fields if f.block_id in errors] or fields
                continue
            if submitted.showing is view:  # the bot replaced the form: fill the new one
                console.settle()
                console.screen.show_form(view, "updated")
                submit = (view.view.get("submit") or {}).get("text")
                if not submit:  # the form became its answer: read, then closed
                    close_view(console.standin, console.sender, user_id, view)
                    return
                fields, errors = form_fields(view.view), {}
                values = {(f.block_id, f.action_id): f.initial for f in fields}
                ask = fields
                continue
            return  # closed, or another view now on top (the caller fills it)

    def _ask(self, one: Field, current: Any) -> Any:
        """Ask for one field until what is typed can be its value."""
        if not one.fillable:
            self.say(f"  {one.label}: the console cannot fill this kind of field; left as it is.")
            return current
        if one.kind in CHOICES:
            self.say(f"    {choices_line(one)}")
        lookup = Lookup(user=self.console.user, channel=self.console.channel)
        while True:
            typed = self._form_line(field_prompt(one, current, self.console.screen.names()))
            answer = read_field(one, typed, current, lookup)
            if not answer.error:
                return answer.value
            self.say(f"    ⚠ {answer.error}")

    def _confirm(self, submit: str) -> None:
        while True:
            typed = self._form_line(f"  [{submit}] or :cancel › ").strip().lower()
            if typed in ("", submit.lower(), "submit", "yes", "y"):
                return
            self.say(f"    Enter submits the form ([{submit}]); :cancel closes it.")

    def _form_line(self, prompt: str) -> str:
        try:
            typed = self.read(prompt)
        except KeyboardInterrupt:
            raise _Cancelled from None
        if typed is None or typed.strip() in (":quit", ":q"):
            raise _Leaving
        if typed.strip().lower() in (":cancel", "cancel"):
            raise _Cancelled
        return typed


class ErrorLine(logging.Handler):
    """An error the bot logs, summarised on the screen in one line (the file has the rest)."""

    def __init__(self, console: Console, secrets: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.console = console
        self.addFilter(RedactSecrets(secrets))

    def emit(self, record: logging.LogRecord) -> None:
        first = (record.getMessage().splitlines() or [""])[0][:160]
        where = shown_path(self.console.log_path)
        self.console.say(f"(The bot logged an error: {first}. {where} has the rest.)")


@contextlib.contextmanager
def _own_foreground(stream: TextIO) -> Iterator[None]:
    """Make this process the terminal's foreground alone while the console runs.

    Ctrl-C then interrupts only the console, not ``make run`` above it (which would
    report "Interrupt" and fail once the console had gone); the terminal is handed back
    when the console ends.
    """
    try:
        fd = stream.fileno()
        before = os.tcgetpgrp(fd)
    except (OSError, ValueError):
        yield
        return
    ignored = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from the background
    moved = False
    try:
        # in the foreground group of a parent (make), not leading it: lead our own instead
        if os.getpgrp() == before and os.getpid() != os.getpgrp():
            os.setpgid(0, 0)
            os.tcsetpgrp(fd, os.getpgrp())
            moved = True
    except OSError:  # a session leader (already the foreground), or no job control
        pass
    try:
        yield
    finally:
        if moved:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(fd, before)
        signal.signal(signal.SIGTTOU, ignored)


def main(
    settings: Settings,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    *,
    demo: bool = False,
) -> int:
    """``nudge console``: run until ``:quit`` or the end of standard input; the exit status."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    beside = Path(settings.db_path).resolve().parent
    console = Console(
        settings,
        out=out,
        interactive=stdin.isatty() and out.isatty(),
        files_dir=beside / FILES_NAME,
        log_path=beside / LOG_NAME,
    )
    secrets = [
        s for s in (settings.bot_token, settings.app_token, settings.signing_secret) if s
    ] + [CONSOLE_SECRET]
    configure_logging(settings.log_level, secrets, path=console.log_path)
    logging.getLogger().addHandler(ErrorLine(console, secrets))
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)  # "unhandled request" advice
    if not console.interactive:
        print(
            f"nudge console: the bot's log is {shown_path(console.log_path)}; files it sends "
            f"go to {shown_path(console.files_dir)}/",
            file=sys.stderr,
        )
    with _own_foreground(stdin) if console.interactive else contextlib.nullcontext():
        try:
            console.start()
        except Exception as err:  # start-up is reported in one line, like nudge run
            print(f"nudge: the console could not start: {err}", file=sys.stderr)
            console.stop()
            return 2
        terminal = Terminal(console, iter(stdin))
        try:
            if demo:
                terminal.step(":demo")
            return terminal.run()
        finally:
            console.stop()
