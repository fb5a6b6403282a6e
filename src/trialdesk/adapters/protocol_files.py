"""Protocol files on disk: YAML (or JSON) in, a checked :class:`Protocol` out.

Bundled protocols (``protocols/`` at the repository root, shipped in the wheel as
``trialdesk/bundled_protocols``) can be named by their NCT id.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trialdesk.core.protocol import Protocol, protocol_from_mapping
from trialdesk.errors import ProtocolError

__all__ = ["bundled_protocol_dir", "load_protocol", "protocol_paths"]

_REPO_PROTOCOLS = Path(__file__).resolve().parents[3] / "protocols"


def bundled_protocol_dir() -> Path:
    packaged = resources.files("trialdesk").joinpath("bundled_protocols")
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_PROTOCOLS


def load_protocol(name_or_path: str | Path) -> Protocol:
    """Load a protocol file, or a bundled protocol by NCT id (``"NCT06948994"``)."""
    path = Path(name_or_path)
    if not path.exists() and str(name_or_path).upper().startswith("NCT"):
        candidate = bundled_protocol_dir() / f"{str(name_or_path).upper()}.yaml"
        if candidate.exists():
            path = candidate
        else:
            known = ", ".join(p.stem for p in protocol_paths(bundled_protocol_dir())) or "none"
            raise ProtocolError(
                f"no bundled protocol {name_or_path}", expected=f"one of: {known}, or a file path"
            )
    if not path.exists():
        raise ProtocolError(
            "protocol file not found",
            file=str(path),
            hint="Pass a path to a .yaml protocol or a bundled NCT id.",
        )
    text = _read(path)
    data, lines = _parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise ProtocolError(
            "a protocol file must be a mapping",
            file=str(path),
            expected="keys such as schema, registry, criteria",
            got=type(data).__name__,
        )
    return protocol_from_mapping(data, source=str(path), locate=lines)


def protocol_paths(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.glob("*.y*ml") if p.is_file())


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            "the protocol file is not UTF-8 text", file=str(path), got=str(exc)
        ) from None


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text for pydantic and remembers where every key is."""


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise ProtocolError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file, where=where
        ) from None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(
    node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)
