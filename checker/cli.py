"""The command line: parse options, call one command function, map errors to exit codes."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import click

from checker import __version__
from checker.characters import shown
from checker.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, FatalError
from checker.reporters import REPORTERS

ISSUES_URL = "https://github.com/charter-checker/charter/issues"


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for fmt in reversed(list(REPORTERS)):
        func = click.option(
            f"--output-{fmt}",
            f"output_{fmt}",
            type=click.Path(dir_okay=False),
            help=f"Also write the {fmt} report to this file.",
        )(func)
    return func


def _listing_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format (text, json or markdown) and --config, for the commands that list what Charter knows."""
    func = click.option(
        "--config", "config", type=click.Path(dir_okay=False), help="Use this configuration file."
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="Format written to standard output.",
    )(func)


@dataclass
class _Run:
    """What main needs to know of the options once click is done: whether to show tracebacks."""

    debug: bool = False


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and isinstance(ctx.find_root().obj, _Run):
        ctx.find_root().obj.debug = True


def _debug_option() -> click.Option:
    return click.Option(
        ["--debug"],
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_set_debug,
        help="Show the traceback of an internal error (exit 3), for a bug report.",
    )


class _Group(click.Group):
    """Maps the errors a user can fix to exit 2, however the command line is entered.

    --debug is an option of the group and of every command, so it may come before or after the
    command's name.
    """

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(p.name == "debug" for p in cmd.params):
            cmd.params.append(_debug_option())
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FatalError as exc:
            click.echo(f"charter: error: {shown(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]}, params=[_debug_option()])
@click.version_option(__version__, prog_name="charter")
def cli() -> None:
    """Check AI-system manifests and their evidence against governance policies."""


@cli.result_callback()
@click.pass_context
def _exit_with(ctx: click.Context, code: int | None, **_: Any) -> None:
    # Commands return their exit code; this makes it the process's, however the group is invoked.
    ctx.exit(code or 0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(REPORTERS)),
    default=None,
    help="Format written to standard output (default: github inside GitHub Actions, text elsewhere).",
)
@_output_options
@click.option(
    "--base",
    metavar="REF",
    help="Compare with this git revision: run the change rules and mark findings new or existing.",
)
@click.option(
    "--as-of", callback=_date, metavar="DATE", help="Judge dates as of this day (default: today, UTC)."
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    type=click.Path(exists=True),
    help="A policy file or directory added to the configured packs (repeatable).",
)
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Use this configuration file.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read every file afresh instead of using the cache of parsed files (also CHARTER_NO_CACHE=1).",
)
@click.option(
    "--fail-on", type=click.Choice(["error", "warning"]), help="Lowest severity that fails the check."
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text report; auto means on a terminal unless NO_COLOR is set.",
)
@click.option(
    "--show-fixes",
    is_flag=True,
    help="Text report: write each finding's fix under it instead of each rule's fix once at the end.",
)
@click.option(
    "--annotate",
    type=click.Choice(["new", "all"]),
    default="new",
    show_default=True,
    envvar="CHARTER_ANNOTATE",
    help="github output with --base: annotate only the findings the change brings, or all "
    "(also CHARTER_ANNOTATE).",
)
@click.option(
    "--report-artifact",
    metavar="NAME",
    default="",
    envvar="CHARTER_REPORT_ARTIFACT",
    help="The workflow artifact holding the full report, named when markdown output is cut (also "
    "CHARTER_REPORT_ARTIFACT).",
)
def check(
    paths: tuple[str, ...],
    fmt: str | None,
    base: str | None,
    as_of: dt.date | None,
    policies: tuple[str, ...],
    config: str | None,
    fail_on: str | None,
    no_cache: bool,
    color: str,
    show_fixes: bool,
    annotate: Literal["new", "all"],
    report_artifact: str,
    **outputs: str | None,
) -> int:
    """Check manifests and evidence under PATHS (default: the current directory)."""
    from checker.commands.check import CheckOptions, run_check
    from checker.github_settings import run_url

    use_color = color == "always" or (
        color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    files = {key.removeprefix("output_"): value for key, value in outputs.items() if value}
    github_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    if fmt is None:
        # Inside GitHub Actions the findings become annotations on the changed files.
        fmt = "github" if github_actions else "text"
    return run_check(
        CheckOptions(
            paths=list(paths) or ["."],
            format=fmt,
            outputs=files,
            as_of=as_of,
            policies=list(policies),
            config=config,
            fail_on=fail_on,
            color=use_color,
            base=base,
            cache=not no_cache,
            github_actions=github_actions,
            show_fixes=show_fixes,
            annotate=annotate,
            artifact=report_artifact,
            run_url=run_url(os.environ) if github_actions else "",
        )
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_listing_options
@click.option("--no-cache", is_flag=True, help="Read every file afresh (also CHARTER_NO_CACHE=1).")
def inventory(paths: tuple[str, ...], fmt: str, config: str | None, no_cache: bool) -> int:
    """List the AI used in the code under PATHS, by the system that covers it, and what none covers."""
    from checker.commands.inventory import InventoryOptions, run_inventory

    return run_inventory(InventoryOptions(list(paths) or ["."], fmt, config, not no_cache))


@cli.command()
@click.argument("rule")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Use this configuration file.")
def explain(rule: str, config: str | None) -> int:
    """Show what RULE (an id such as OWN001, or its name) checks, why, and how to fix it."""
    from checker.commands.explain import run_explain

    return run_explain(rule, config)


@cli.command()
@_listing_options
def rules(fmt: str, config: str | None) -> int:
    """List every rule in effect with its severity and controls."""
    from checker.commands.rules import run_rules

    return run_rules(fmt, config)


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(["AISystem", "Evidence", "Policy"], case_sensitive=False),
    help="Print the schema of this kind only.",
)
@click.option(
    "--write",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the schema to FILE instead, for a manifest's modeline to point at.",
)
def schema(kind: str | None, write: str | None) -> int:
    """Print the JSON Schema of Charter's documents, for editors and validators."""
    from checker.commands.schema import run_schema

    return run_schema(kind, write)


@cli.command()
@click.option("--name", help="The system's name: lower-case letters, digits and hyphens.")
@click.option("--title", help="A human-readable title.")
@click.option("--purpose", help="The intended use, in one sentence.")
@click.option("--tier", help="Risk tier: low, medium, high or critical.")
@click.option("--stage", help="Lifecycle stage, such as proposed, pilot or production.")
@click.option("--team", help="The owning team, @org/team.")
@click.option("--accountable", help="The one accountable person, @user or an e-mail address.")
@click.option(
    "--dir",
    "directory",
    default="ai-systems",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory the manifest is written to.",
)
@click.option(
    "--schema",
    type=click.Path(dir_okay=False),
    help="The JSON Schema file the manifest's modeline points at, written when it does not exist "
    "(default: charter.schema.json beside the configuration).",
)
@click.option(
    "--kind",
    type=click.Choice(["model", "llm"]),
    default="model",
    show_default=True,
    help="What the system is built on: a trained model, or a hosted large language model with a "
    "versioned prompt and human oversight.",
)
@click.option("--provider", help="With --kind llm: who hosts the model, such as openai.")
@click.option("--model", help="With --kind llm: the provider's model name, such as gpt-4.1.")
@click.option("--snapshot", help="With --kind llm: the model's dated snapshot, such as 2025-04-14.")
@click.option(
    "--oversight", help="With --kind llm: in-the-loop (the default), on-the-loop, in-command or none."
)
@click.option(
    "--no-input",
    is_flag=True,
    help="Never prompt: --name (and with --kind llm, --provider and --model) is required, everything "
    "else has a default.",
)
def init(no_input: bool, **options: Any) -> int:
    """Scaffold a valid AISystem manifest and, if there is none, a .charter.yaml."""
    from checker.commands.init import InitOptions, run_init

    return run_init(InitOptions(interactive=not no_input, **options))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--check", "mode", flag_value="check", default=True, help="Fail when the block is stale (default)."
)
@click.option("--write", "mode", flag_value="write", help="Rewrite the block.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Use this configuration file.")
def codeowners(paths: tuple[str, ...], mode: str, config: str | None) -> int:
    """Keep the generated CODEOWNERS block: owners and approvers review their manifests and evidence."""
    from checker.commands.codeowners import run_codeowners

    return run_codeowners(list(paths) or ["."], config, write=mode == "write")


@cli.command()
@click.argument("report", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when the comment cannot be posted (default: warn and exit 0).",
)
@click.option(
    "--pr",
    "number",
    type=click.IntRange(min=1),
    metavar="NUMBER",
    help="Comment on this pull request instead of the one in the event payload.",
)
def comment(report: str, strict: bool, number: int | None) -> int:
    """Create or update the pull request's Charter comment from the markdown REPORT ('-' for stdin)."""
    from checker.commands.comment import CommentOptions, run_comment

    return run_comment(CommentOptions(report=report, strict=strict, number=number))


def _shown_lines(write: Callable[[io.StringIO], Any]) -> None:
    """What write writes, to standard error a line at a time as characters.shown() shows each."""
    buffer = io.StringIO()
    write(buffer)
    for line in buffer.getvalue().splitlines():
        click.echo(shown(line), err=True)


def _interrupted(exc: BaseException) -> bool:
    """Whether click's Abort stands for Ctrl-C (it also stands for end of input at a prompt)."""
    return isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    run = _Run()
    try:
        result = cli.main(args, prog_name="charter", standalone_mode=False, obj=run)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (KeyboardInterrupt, click.Abort) as exc:
        if isinstance(exc, KeyboardInterrupt) or _interrupted(exc):
            click.echo("charter: interrupted", err=True)
            return EXIT_INTERRUPTED
        click.echo("charter: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        # A usage error may quote what was typed, such as a file name.
        _shown_lines(exc.show)
        return EXIT_USAGE
    except Exception as exc:  # the one place an unexpected failure becomes exit 3
        if run.debug:
            _shown_lines(lambda file: traceback.print_exc(file=file))
        click.echo(
            f"charter: internal error: {type(exc).__name__}: {shown(str(exc))}\n"
            f"This is a bug in Charter; please report it at {ISSUES_URL} "
            "(run again with --debug for the traceback).",
            err=True,
        )
        return EXIT_INTERNAL
    return int(result or 0)
