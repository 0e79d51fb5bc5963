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
from checker.models.aisystem import OversightMode
from checker.models.base import Name, Person, Team, Text
from checker.templating import render
from checker.vocabulary import Stage, Tier

TIERS: tuple[str, ...] = typing.get_args(Tier)
STAGES: tuple[str, ...] = typing.get_args(Stage)
OVERSIGHT: tuple[str, ...] = typing.get_args(OversightMode)
# What a system is built on: a trained model (the manifest names no component yet), or a large
# language model a provider hosts, with the prompt that makes it this system.
KINDS = ("model", "llm")
# Unclassified systems get the strictest checks until someone decides otherwise.
DEFAULT_TIER = "high"
DEFAULT_STAGE = "proposed"
# A person approves every output of a new LLM system until someone decides otherwise.
DEFAULT_OVERSIGHT = "in-the-loop"
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
    kind: str = "model"
    # For kind llm: who hosts the model, which model, which dated snapshot, and the oversight mode.
    provider: str | None = None
    model: str | None = None
    snapshot: str | None = None
    oversight: str | None = None


@dataclass(frozen=True)
class HostedModel:
    """What an llm system's manifest says of its model, and where its prompt lives."""

    provider: str
    model: str
    snapshot: str
    oversight: str
    prompt_dir: str


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
OPTIONAL_TEXT = _validator(Text, "a non-empty text", optional=True)
TIER = _choice(TIERS)
STAGE = _choice(STAGES)
MODE = _choice(OVERSIGHT)


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
    hosted: HostedModel | None = None,
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
        llm=hosted is not None,
        provider=_scalar(hosted.provider) if hosted else "",
        model=_scalar(hosted.model) if hosted else "",
        snapshot=json.dumps(hosted.snapshot, ensure_ascii=False) if hosted and hosted.snapshot else "",
        oversight=hosted.oversight if hosted else "",
        source=_scalar(f"{hosted.prompt_dir}/*.md") if hosted else "",
    )


def render_prompt(title: str, purpose: str) -> str:
    """The first system prompt of a new llm system: what it was told the system is for."""
    return render("init-prompt.md.j2", title=title, purpose=purpose)


def render_config(manifests_dir: str) -> str:
    """The text of a new .charter.yaml for manifests kept in manifests_dir."""
    return render("init-config.yaml.j2", manifests=_scalar(manifests_dir.rstrip("/") + "/**/*.yaml"))


def _write_new(path: str, text: str) -> None:
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise FatalError("already exists; choose another --name or edit that file", path) from None
    except OSError as exc:
        raise FatalError(f"cannot write it: {exc.strerror}", path) from None


def _check_kind(options: InitOptions) -> None:
    """The kind is known, and the flags that describe a hosted model come with --kind llm."""
    if options.kind not in KINDS:
        raise FatalError(f"--kind: {options.kind!r} is not one of {', '.join(KINDS)}")
    llm_only = {"--provider": options.provider, "--model": options.model, "--snapshot": options.snapshot}
    llm_only["--oversight"] = options.oversight
    given = [flag for flag, value in llm_only.items() if value is not None]
    if given and options.kind != "llm":
        raise FatalError(f"{given[0]} describes a hosted model: use it with --kind llm")


def run_init(options: InitOptions) -> int:
    _check_kind(options)
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
    hosted = _hosted(options, name) if options.kind == "llm" else None

    try:
        os.makedirs(options.directory, exist_ok=True)
    except OSError as exc:
        raise FatalError(f"cannot create the directory: {exc.strerror}", options.directory) from None
    here = os.getcwd()
    existing = find_config_dir(here, gitrepo.toplevel(here))
    schema_file = options.schema or os.path.join(existing or here, SCHEMA_FILE)
    manifest = render_manifest(
        name, title, purpose, tier, stage, team, accountable, modeline_ref(target, schema_file), hosted
    )
    _write_new(target, manifest)
    click.echo(f"wrote {os.path.relpath(target)}")
    if hosted is not None:
        _write_prompt(os.path.join(existing or here, *hosted.prompt_dir.split("/")), title, purpose)
    if existing is None:
        manifests_dir = os.path.relpath(os.path.abspath(options.directory), here).replace(os.sep, "/")
        _write_new(CONFIG_NAME, render_config(manifests_dir))
        click.echo(f"wrote {CONFIG_NAME}")
    if not os.path.lexists(schema_file):
        write_schema(schema_file)
        click.echo(f"wrote {os.path.relpath(schema_file)}")
    _list_facts(target)
    return EXIT_OK


def _write_prompt(directory: str, title: str, purpose: str) -> None:
    """The first system prompt in directory, unless it is there already.

    directory lies below the configuration's, which the prompt's source is relative to.
    """
    path = os.path.join(directory, "system.md")
    if not os.path.lexists(path):
        _write_new(path, render_prompt(title, purpose))
        click.echo(f"wrote {os.path.relpath(path)}")


def _hosted(options: InitOptions, name: str) -> HostedModel:
    """The provider, model, snapshot and oversight of an llm system, from flags or prompts."""
    for flag, value in (("--provider", options.provider), ("--model", options.model)):
        if value is None and not options.interactive:
            raise FatalError(f"{flag} is required with --kind llm and --no-input")
    hosting = "Provider hosting the model (such as openai)"
    provider = _resolve(options, "--provider", options.provider, hosting, TEXT, None)
    model = _resolve(options, "--model", options.model, "Model name (such as gpt-4.1)", TEXT, None)
    dated = "Snapshot of the model (such as 2025-04-14, empty to skip)"
    snapshot = _resolve(options, "--snapshot", options.snapshot, dated, OPTIONAL_TEXT, "")
    mode = f"Oversight mode ({', '.join(OVERSIGHT)})"
    oversight = _resolve(options, "--oversight", options.oversight, mode, MODE, DEFAULT_OVERSIGHT)
    return HostedModel(provider, model, snapshot, oversight, f"prompts/{name}")


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
