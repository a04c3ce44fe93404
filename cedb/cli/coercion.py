"""Typer's option coercion without pydantic for the plain types cedb uses (issue 16, start-up).

typer 0.29 converts every option value through a pydantic TypeAdapter, built on first use:
importing pydantic and building the adapters was half the start-up of `cedb life --ce 99` and
`cedb query --help`. Values of the plain types cedb's options have (str, int, float, bool, Path,
enum choices, lists of these) are converted here the way typer's adapters convert them; any other
type, constraint or value that the plain conversion does not accept goes to typer's own
adapter, so what it accepts and how it words an error stay typer's. tests/test_startup.py
checks both agree on every option of every command.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

# What typer's pydantic adapters accept as numbers, narrowed to the forms both parse alike
# (no underscores, no spaces, no inf/nan words): anything else goes to the adapter. Compiled
# on first use (re's cache), not at start-up.
_INT = r"[+-]?[0-9]+"
_FLOAT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


class _NotPlain(Exception):
    """The value needs typer's own adapter."""


def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    from typer._param_types import coerce_cli_choice, coerce_cli_path

    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            raise _NotPlain from None
    if annotation is type(value) and annotation in (bool, int, float, str):  # a default
        return value
    if not isinstance(value, str):
        raise _NotPlain
    if annotation is str:
        return value
    if annotation is int and re.fullmatch(_INT, value) and len(value) < 20:
        return int(value)
    if annotation is float and re.fullmatch(_FLOAT, value):
        number = float(value)
        if abs(number) != float("inf"):
            return number
    if isinstance(annotation, type) and issubclass(annotation, Path) and value:
        path_type = info.path_type or annotation
        if isinstance(path_type, type) and issubclass(path_type, Path):
            return coerce_cli_path(path_type(value), info, path_type=path_type, param=param, ctx=ctx)
    raise _NotPlain


def _plain(annotation: Any, info: Any) -> bool:
    """Whether values of this annotation can be converted here (else always typer's adapter)."""
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation) or (None,)
    if info.parser is not None or info.min is not None or info.max is not None or info.clamp:
        return False
    return annotation in (str, int, float, bool) or (
        isinstance(annotation, type) and issubclass(annotation, (Enum, Path))
    )


def install() -> None:
    """Route typer's coercion of plain option types through this module (once, idempotent)."""
    try:
        from typer import _coercion, core
    except ImportError:  # another typer: it keeps its own coercion
        return
    original = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None or getattr(original, "cedb_plain", False):
        return
    typers: Callable[[Any], Any] = original

    @dataclass(frozen=True)
    class PlainRuntimeParam(base):  # type: ignore[misc, valid-type]
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation, info = self.annotation, self.parameter_info
            try:
                if get_origin(annotation) is list:
                    if not isinstance(value, (list, tuple)):
                        value = [value]
                    (item,) = get_args(annotation)
                    return [_leaf(item, info, v, param, ctx) for v in value]
                return _leaf(annotation, info, value, param, ctx)
            except _NotPlain:
                return typers(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any) -> Any:
        if descriptor.file_annotation is None and _plain(descriptor.annotation, descriptor.parameter_info):
            return PlainRuntimeParam(
                annotation=descriptor.annotation,
                parameter_info=descriptor.parameter_info,
                descriptor=descriptor,
            )
        return typers(descriptor)

    build.cedb_plain = True  # type: ignore[attr-defined]
    core.build_runtime_param = build
