"""Each detector form, with the exact line and column it reports, and decoys that must not match."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from checker.config import Config, load_config
from checker.errors import FatalError
from checker.inventory.detectors import Detectors, load_detectors
from checker.inventory.files import Candidate
from checker.inventory.javascript import javascript_usages
from checker.inventory.manifests import manifest_usages
from checker.inventory.python import notebook_usages, python_usages
from checker.inventory.scan import InventoryCache, Scanner
from checker.inventory.usage import Unread, Usage
from checker.policy import load_policies

POLICIES = load_policies(Config())
DETECTORS: Detectors = load_detectors(POLICIES, Config())


def found(usages: list[Usage] | Unread) -> list[tuple[int, int, str, str]]:
    assert not isinstance(usages, Unread), usages
    return [(u.line, u.column, u.detector, u.what) for u in usages]


def scanned(path: Path, rel: str, scanner: Scanner | None = None) -> tuple[list[Usage], Unread | None]:
    """What the scanner finds in the file at path, known as rel: its usages and why it is unread."""
    scanner = scanner or Scanner(DETECTORS, InventoryCache(None, DETECTORS.digest))
    result = scanner.scan(Candidate(str(path), rel))
    return (result.usages, result.unread) if result is not None else ([], None)


def py(source: str) -> list[tuple[int, int, str, str]]:
    return found(python_usages(textwrap.dedent(source), DETECTORS))


def test_python_imports_at_the_module_name() -> None:
    assert py(
        """\
        import os, openai
        from anthropic import Anthropic
        import torch.nn as nn
        from google import genai
        from langchain_community.llms import Ollama
        from  sklearn.ensemble import RandomForestClassifier
        def f():
            import vertexai
        """
    ) == [
        (1, 12, "openai", "import openai"),
        (2, 6, "anthropic", "from anthropic import"),
        (3, 8, "deep-learning", "import torch.nn"),
        (4, 20, "google-genai", "from google import genai"),
        (5, 6, "llm-framework", "from langchain_community.llms import"),
        (6, 7, "classical-ml", "from sklearn.ensemble import"),
        (8, 12, "google-genai", "import vertexai"),
    ]


def test_python_dynamic_imports_and_boto3_clients() -> None:
    assert py(
        """\
        import importlib, boto3
        m = importlib.import_module("mistralai")
        runtime = boto3.client("bedrock-runtime", region_name="eu-west-1")
        sm = boto3.Session().client(service_name="sagemaker-runtime")
        s3 = boto3.client("s3")
        t = importlib.import_module(name="torch")
        o = importlib.__import__("ollama")
        if True: x = __import__("os"); y = __import__("cohere")
        """
    ) == [
        (2, 5, "mistral", "import mistralai"),
        (3, 24, "bedrock", "boto3 client bedrock-runtime"),
        (4, 42, "bedrock", "boto3 client sagemaker-runtime"),
        (6, 5, "deep-learning", "import torch"),
        (7, 5, "ollama", "import ollama"),
        (8, 36, "cohere", "import cohere"),
    ]


def test_python_columns_count_characters_not_bytes() -> None:
    assert py('x = "é"; import openai\n') == [(1, 17, "openai", "import openai")]


def test_python_decoys_are_not_usage() -> None:
    assert (
        py(
            '''\
        """Uses openai and torch.

        import openai
        """
        # import anthropic
        openai_key = "import openai"
        import openairport
        from torchvision_like import x
        from .openai import client
        import notopenai
        text = "from transformers import pipeline"
        '''
        )
        == []
    )


def test_python_that_does_not_parse_is_unread() -> None:
    assert python_usages("import openai\ndef (:\n", DETECTORS) == Unread(
        2, "it is not valid Python: invalid syntax"
    )


def _notebook(*cells: tuple[str, list[str]]) -> str:
    data = {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {},
                "source": source,
                **({"outputs": []} if kind == "code" else {}),
            }
            for kind, source in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(data, indent=1) + "\n"


def test_notebook_code_cells_on_the_notebook_lines() -> None:
    text = _notebook(
        ("markdown", ["import openai is only words here\n"]),
        (
            "code",
            ["%pip install transformers\n", "import pandas as pd\n", "from transformers import pipeline\n"],
        ),
    )
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "from transformers" in line)
    column = lines[row - 1].index('"') + 2
    assert found(notebook_usages(text, DETECTORS)) == [
        (row, column + 5, "huggingface", "from transformers import")
    ]


def js(source: str) -> list[tuple[int, int, str, str]]:
    return found(javascript_usages(textwrap.dedent(source), DETECTORS))


def test_javascript_import_forms_at_the_module_name() -> None:
    assert js(
        """\
        import OpenAI from "openai";
        import { Anthropic } from '@anthropic-ai/sdk';
        import type { Tool } from "@langchain/core/tools";
        const { HfInference } = require("@huggingface/inference");
        const ai = await import('ai');
        export { generateText } from "@ai-sdk/openai";
        import "onnxruntime-node";
        """
    ) == [
        (1, 21, "openai", "import openai"),
        (2, 28, "anthropic", "import @anthropic-ai/sdk"),
        (3, 28, "llm-framework", "import @langchain/core/tools"),
        (4, 34, "huggingface", "import @huggingface/inference"),
        (5, 26, "llm-framework", "import ai"),
        (6, 31, "llm-framework", "import @ai-sdk/openai"),
        (7, 9, "model-runtime", "import onnxruntime-node"),
    ]


def test_javascript_decoys_are_not_usage() -> None:
    assert (
        js(
            """\
        // import OpenAI from "openai";
        /* const x = require("openai"); */
        const text = "import OpenAI from 'openai'";
        const tpl = `require("anthropic")`;
        import openaiKey from "openai-key-store";
        import x from "airtable";
        const r = obj.require("openai");
        """
        )
        == []
    )


def test_requirements_names_at_their_column() -> None:
    text = (
        "# openai for later\n-r base.txt\nrequests==2.0\n"
        "  openai>=1.0  # client\ntorch; python_version>'3'\nopenairport\n"
    )
    assert found(manifest_usages(text, "requirements", DETECTORS)) == [
        (4, 3, "openai", "dependency openai"),
        (5, 1, "deep-learning", "dependency torch"),
    ]


def test_pyproject_dependencies_groups_and_poetry() -> None:
    text = textwrap.dedent(
        """\
        [project]
        name = "svc"
        description = "uses openai"
        dependencies = [
          "requests",
          "Sentence_Transformers>=2",
        ]
        [project.optional-dependencies]
        llm = ["langchain-openai"]
        [tool.poetry.dependencies]
        cohere = "^5"
        """
    )
    assert found(manifest_usages(text, "pyproject", DETECTORS)) == [
        (6, 4, "huggingface", "dependency Sentence_Transformers"),
        (9, 9, "llm-framework", "dependency langchain-openai"),
        (11, 1, "cohere", "dependency cohere"),
    ]


def test_pipfile_and_package_json() -> None:
    pipfile = '[packages]\nrequests = "*"\nxgboost = "*"\n[dev-packages]\nlitellm = "*"\n'
    assert found(manifest_usages(pipfile, "pipfile", DETECTORS)) == [
        (3, 1, "classical-ml", "dependency xgboost"),
        (5, 1, "litellm", "dependency litellm"),
    ]
    package = (
        '{\n  "name": "openai",\n  "dependencies": {\n    "left-pad": "1",\n    "openai": "^4"\n  }\n}\n'
    )
    assert found(manifest_usages(package, "package", DETECTORS)) == [(5, 6, "openai", "dependency openai")]


def test_broken_manifest_is_unread() -> None:
    assert manifest_usages("[project\n", "pyproject", DETECTORS) == Unread(
        1, "it is not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 9)"
    )


@pytest.mark.parametrize(
    ("rel", "detector", "what"),
    [
        ("models/router.onnx", "model-artifact", "model file"),
        ("svc/weights/model.safetensors", "model-artifact", "model file"),
        ("svc/models/clf.joblib", "model-artifact", "model file"),
        (".mcp.json", "mcp-config", "configuration file"),
        ("tools/.cursor/mcp.json", "mcp-config", "configuration file"),
    ],
)
def test_files_by_name(tmp_path: Path, rel: str, detector: str, what: str) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0\1binary")
    assert found(scanned(path, rel)[0]) == [(1, 1, detector, what)]


@pytest.mark.parametrize("rel", ["data/clf.joblib", "cache/x.h5", "docs/models.md", "mcp.json.bak"])
def test_names_that_are_not_model_files(tmp_path: Path, rel: str) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("import openai\n")
    assert scanned(path, rel) == ([], None)


def test_lfs_pointer_is_named(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n")
    assert found(scanned(path, "model.gguf")[0]) == [
        (1, 1, "model-artifact", "model file (a Git LFS pointer)")
    ]


def test_configuration_adds_and_disables_detectors(tmp_path: Path) -> None:
    (tmp_path / ".charter.yaml").write_text(
        "inventory:\n"
        "  detectors:\n"
        "    - {id: in-house, description: Our model client, python: [acme_ml.serving]}\n"
        "    - {id: deep-learning, enabled: false}\n"
    )
    config = load_config(None, str(tmp_path))
    detectors = load_detectors(POLICIES, config)
    assert found(python_usages("import torch\nfrom acme_ml.serving import predict\n", detectors)) == [
        (2, 6, "in-house", "from acme_ml.serving import")
    ]


def test_malformed_configured_detector_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / ".charter.yaml").write_text(
        "inventory:\n  detectors:\n"
        "    - {id: ok, description: fine, python: [a]}\n    - {id: Bad Id, python: [b]}\n"
    )
    config = load_config(None, str(tmp_path))
    with pytest.raises(FatalError) as info:
        load_detectors(POLICIES, config)
    assert info.value.message == "a detector's id is lower-case letters, digits and hyphens"
    assert (info.value.file, info.value.line) == (str(tmp_path / ".charter.yaml"), 4)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.py", "from langchain_community.llms import Ollama\n", [(1, 6, "llm-framework")]),
        ("a.py", "import os, \\\n    openai\n", [(2, 5, "openai")]),
        ("a.py", "from google import (\n    genai,\n)\n", [(2, 5, "google-genai")]),
        ("a.py", 'c = boto3.client("bedrock-runtime")\n', [(1, 18, "bedrock")]),
        ("a.py", "# import openai\nprint('openai')\n", []),
        ("a.py", 'import importlib\nt = importlib.import_module(name="torch")\n', [(2, 5, "deep-learning")]),
        ("a.py", 'm = __import__("open" "ai")\n', [(1, 5, "openai")]),
        (
            "a.py",
            'from importlib import import_module as load\nm = load("torch")\n',
            [(2, 5, "deep-learning")],
        ),
        ("a.py", 'import importlib\nm = importlib.import_module("os")\n', []),
        ("b.ts", 'import { z } from "zod";\nimport OpenAI from "openai";\n', [(2, 21, "openai")]),
        ("b.ts", "const x = 'openai-like';\n", []),
        ("requirements-dev.txt", "openai==1\n", [(1, 1, "openai")]),
    ],
)
def test_scanner_prefilter_lets_every_form_through(
    tmp_path: Path, name: str, text: str, expected: list
) -> None:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_text(text)
    assert [(u.line, u.column, u.detector) for u in scanned(path, name)[0]] == expected


def test_scanner_says_a_source_that_does_not_parse_names_a_module(tmp_path: Path) -> None:
    scanner = Scanner(DETECTORS, InventoryCache(None, DETECTORS.digest))
    (tmp_path / "a.py").write_text("import openai\ndef (:\n")
    (tmp_path / "b.py").write_text("def (:\n")
    assert scanned(tmp_path / "a.py", "a.py", scanner) == (
        [],
        Unread(2, "it is not valid Python: invalid syntax, and it names a module a detector looks for"),
    )
    # Naming no module a detector looks for, it cannot import one: nothing to report.
    assert scanned(tmp_path / "b.py", "b.py", scanner) == ([], None)
