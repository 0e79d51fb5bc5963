"""The models of an AISystem's components: what each is, where its build lives, how it was made."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from checker.models.base import Cadence, Commit, Count, Date, Digest, Name, Ref, Strict, Text, Url

ComponentKind = Literal[
    "model", "service", "rules", "prompt", "human-step", "llm", "retrieval", "tool", "agent"
]
Layer = Literal["ingestion", "feature", "inference", "decision", "postprocess"]
ToolType = Literal["function", "api", "mcp"]
ToolPermission = Literal["read", "write", "delete", "execute", "payments", "send-external", "personal-data"]
ToolApproval = Literal["required", "none"]


class Artifact(Strict):
    """Where a component's build lives, pinned by digest."""

    uri: Text | None = None
    digest: Digest | None = None


class Interface(Strict):
    """The contract a component serves."""

    protocol: Text | None = None
    # "schema" would shadow a BaseModel method, so it is aliased like "class".
    schema_: Ref | None = Field(default=None, alias="schema")
    version: Text | None = None


class Dataset(Strict):
    """One versioned dataset used in training."""

    name: Text
    version: Text | None = None


class Training(Strict):
    """What is needed to reproduce a model."""

    pipeline: Ref | None = None
    commit: Commit | None = None
    config: Ref | None = None
    datasets: list[Dataset] | None = None
    seed: Count | None = None
    environment: Ref | None = None


class Evaluation(Strict):
    """The evaluation of a component version."""

    report: Ref | None = None
    date: Date | None = None


class Provider(Strict):
    """The vendor that hosts a model, and the exact model and snapshot the system calls."""

    name: Text
    model: Text
    snapshot: Text | None = None
    region: Text | None = None
    dataRetention: Text | None = None
    terms: Url | None = None


class ToolServer(Strict):
    """Where a tool runs: a package at a version, a command that starts it, or an address."""

    package: Text | None = None
    version: Text | None = None
    command: Text | None = None
    url: Url | None = None


class Tool(Strict):
    """Something the system can invoke, and what invoking it may do."""

    type: ToolType
    server: ToolServer | None = None
    permissions: list[ToolPermission] | None = None
    approval: ToolApproval | None = None


class Component(Strict):
    """A model or service, versioned and with an interface."""

    name: Name
    kind: ComponentKind
    layer: Layer | None = None
    version: Text | None = None
    artifact: Artifact | None = None
    supplier: Text | None = None
    interface: Interface | None = None
    training: Training | None = None
    evaluation: Evaluation | None = None
    provider: Provider | None = None
    source: Annotated[
        list[Ref] | None,
        Field(description="Repository files (paths or globs) whose content is the component."),
    ] = None
    tool: Tool | None = None
    tools: Annotated[
        list[Name] | None, Field(description="For an agent: the tool components it may call.")
    ] = None
    sources: Annotated[
        list[Text] | None, Field(description="For a retrieval index: the spec.data entries it holds.")
    ] = None
    refresh: Cadence | None = None
