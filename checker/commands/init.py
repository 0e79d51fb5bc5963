"""charter init: scaffold a valid AISystem manifest and, when there is none, a configuration."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
import yaml
from pydantic import TypeAdapter, ValidationError

from checker import gitrepo
from checker.characters import shown
from checker.commands.schema import SCHEMA_ID, write_schema
from checker.config import CONFIG_NAME, find_config_dir
from checker.errors import EXIT_OK, FatalError
from checker.finding import Finding
from checker.models import Name, Person, Stage, Team, Text, Tier
from checker.templating import render

TIERS: tuple[str, ...] = typing.get_args(Tier)
STAGES: tuple[str, ...] = typing.get_args(Stage)
# Unclassified systems get the strictest checks until someone decides otherwise.
DEFAULT_TIER = "high"
DEFAULT_STAGE = "proposed"
SCHEMA_FILE = "charter.schema.json"


@dataclass
class InitOptions:
    name: str | None = None
    title: str | None = None
    purpose: str | None = None
    tier: str | None = None
    stage: str | None = None
    team: str | None = None
    accountable: str | None = None
    directory: str = "ai-systems"
    interactive: bool = True
    # The JSON Schema file the manifest's modeline points at; None: charter.schema.json beside the
    # configuration.
    schema: str | None = None


Validator = Callable[[str], str]


def _validator(kind: Any, wanted: str, optional: bool = False) -> Validator:
    adapter: TypeAdapter[str] = TypeAdapter(kind)

    def validate(value: str) -> str:
        value = value.strip()
        if optional and not value:
            return value
        try:
            return adapter.validate_python(value)
        except ValidationError:
            raise click.BadParameter(f"{value!r} is not {wanted}") from None

    return validate


def _choice(choices: tuple[str, ...]) -> Validator:
    def validate(value: str) -> str:
        if value.strip().lower() not in choices:
            raise click.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value.strip().lower()

    return validate


NAME = _validator(Name, "a name of lower-case letters, digits and hyphens, at most 63 characters")
TEXT = _validator(Text, "a non-empty text")
TEAM = _validator(Team, "a GitHub team such as @acme/support-ml", optional=True)
PERSON = _validator(Person, "a GitHub handle such as @dana or an e-mail address", optional=True)
TIER = _choice(TIERS)
STAGE = _choice(STAGES)


def _title_of(name: str) -> str:
    return name.replace("-", " ").capitalize()


def _resolve(
    options: InitOptions, flag: str, value: str | None, prompt: str, check: Validator, default: str | None
) -> str:
    """A flag's value checked, or the answer to a prompt, or the default without input."""
    if value is not None:
        try:
            return check(value)
        except click.BadParameter as exc:
            raise FatalError(f"{flag}: {exc.message}") from None
    if options.interactive:
        answer: str = click.prompt(prompt, default=default, value_proc=check, show_default=bool(default))
        return answer
    if default is None:
        raise FatalError(f"{flag} is required with --no-input")
    return default


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly this string."""
    try:
        plain = value == yaml.safe_load(value) and "#" not in value
    except yaml.YAMLError:
        plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def render_manifest(
    name: str,
    title: str,
    purpose: str,
    tier: str,
    stage: str,
    team: str,
    accountable: str,
    schema_ref: str = SCHEMA_ID,
) -> str:
    """The text of a new manifest: only what is known, and a pointer to what the policies ask next."""
    return render(
        "init-manifest.yaml.j2",
        schema_ref=schema_ref,
        name=_scalar(name),
        title=_scalar(title),
        purpose=_scalar(purpose),
        stage=stage,
        tier=tier,
        team=_scalar(team) if team else "",
        accountable=_scalar(accountable) if accountable else "",
    )


def render_config(manifests_dir: str) -> str:
    """The text of a new .charter.yaml for manifests kept in manifests_dir."""
    return render("init-config.yaml.j2", manifests=_scalar(manifests_dir.rstrip("/") + "/**/*.yaml"))


def _write_new(path: str, text: str) -> None:
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise FatalError("already exists; choose another --name or edit that file", path) from None
    except OSError as exc:
        raise FatalError(f"cannot write it: {exc.strerror}", path) from None


def run_init(options: InitOptions) -> int:
    name = _resolve(options, "--name", options.name, "System name (lower-case, hyphens)", NAME, None)
    target = os.path.join(options.directory, f"{name}.yaml")
    if os.path.lexists(target):
        raise FatalError("already exists; choose another --name or edit that file", target)
    title = _resolve(options, "--title", options.title, "Title", TEXT, _title_of(name))
    purpose = _resolve(
        options,
        "--purpose",
        options.purpose,
        "Intended use (one sentence)",
        TEXT,
        None if options.interactive else f"To be described: what {title} does, for whom and where.",
    )
    tier = _resolve(options, "--tier", options.tier, f"Risk tier ({', '.join(TIERS)})", TIER, DEFAULT_TIER)
    stage = _resolve(
        options, "--stage", options.stage, f"Lifecycle stage ({', '.join(STAGES)})", STAGE, DEFAULT_STAGE
    )
    team = _resolve(options, "--team", options.team, "Owning team (@org/team, empty to skip)", TEAM, "")
    accountable = _resolve(
        options, "--accountable", options.accountable, "Accountable person (@user, empty to skip)", PERSON, ""
    )

    try:
        os.makedirs(options.directory, exist_ok=True)
    except OSError as exc:
        raise FatalError(f"cannot create the directory: {exc.strerror}", options.directory) from None
    here = os.getcwd()
    existing = find_config_dir(here, gitrepo.toplevel(here))
    schema_file = options.schema or os.path.join(existing or here, SCHEMA_FILE)
    manifest = render_manifest(
        name, title, purpose, tier, stage, team, accountable, modeline_ref(target, schema_file)
    )
    _write_new(target, manifest)
    click.echo(f"wrote {os.path.relpath(target)}")
    if existing is None:
        manifests_dir = os.path.relpath(os.path.abspath(options.directory), here).replace(os.sep, "/")
        _write_new(CONFIG_NAME, render_config(manifests_dir))
        click.echo(f"wrote {CONFIG_NAME}")
    if not os.path.lexists(schema_file):
        write_schema(schema_file)
        click.echo(f"wrote {os.path.relpath(schema_file)}")
    _list_facts(target)
    return EXIT_OK


def modeline_ref(manifest: str, schema_file: str) -> str:
    """The schema file as the manifest's modeline names it: relative to the manifest's directory."""
    start = os.path.dirname(os.path.abspath(manifest))
    ref = os.path.relpath(os.path.abspath(schema_file), start).replace(os.sep, "/")
    return ref if ref.startswith("../") else f"./{ref}"


def facts_to_declare(manifest: str) -> list[Finding]:
    """What `charter check` still asks of the new manifest: the facts only a person can declare."""
    from checker.commands.check import CheckOptions, build_report

    report = build_report(CheckOptions(paths=[manifest], format="json", cache=False))
    return [f for f in report.findings if not f.waived]


def _list_facts(manifest: str) -> None:
    shown_path = os.path.relpath(manifest)
    facts = facts_to_declare(manifest)
    if not facts:
        click.echo(f"charter check {shown_path} passes: the manifest declares all its tier and stage need")
        return
    click.echo(
        f"{len(facts)} fact{'s' if len(facts) != 1 else ''} only you know, which its tier and stage need:"
    )
    for fact in facts:
        # The message without its "{system} has no ...:" lead, which names the same system each time.
        detail = fact.message.split(": ", 1)[-1]
        click.echo(f"  {fact.rule} {shown(detail)}")
    click.echo(f"next: declare them, then run: charter check {shown_path}")
