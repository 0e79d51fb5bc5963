"""Pydantic models of the AISystem, Evidence and Directory documents.

They say only what a well-formed document is: types, enums, patterns and no
unknown keys. What must be present for a given tier and stage is left to the
policies, so nearly every field is optional. Attribute names are the YAML keys,
so the ``loc`` of a validation error is the field's path in the document.
"""

from __future__ import annotations

from pydantic import BaseModel

from checker.models.aisystem import AISystem
from checker.models.directory import Directory
from checker.models.evidence import Evidence

DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "AISystem": AISystem,
    "Evidence": Evidence,
    "Directory": Directory,
}
