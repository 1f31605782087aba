"""Where the project's files are: the one definition of the project's root and its folders."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = PROJECT_ROOT / "build"
VAR_DIR = PROJECT_ROOT / "var"
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
