"""Command-line options generated from a settings class, so each setting is declared once.

A field of a pydantic-settings class becomes `--field-name` (or the field's `option` extra),
with the field's description as help, its `DISPUTE_KG_…` variable and its default shown. An
option left out is not passed on, so the settings class reads its variable or its default:
options win over variables, variables over defaults, and every value is validated by the
class, never by the command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_origin

import typer
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

S = TypeVar("S", bound=BaseSettings)
F = TypeVar("F", bound=Callable[..., Any])


def option_name(name: str, info: FieldInfo) -> str:
    """`--queries` for a field that names its option, else `--field-name`."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("option") or "--" + name.replace("_", "-"))


def env_name(model: type[BaseSettings], name: str) -> str:
    return str(model.model_config.get("env_prefix", "")) + name.upper()


def _cli_type(info: FieldInfo) -> type:
    """What the option parses: lists are given comma-separated, as in their variable."""
    annotation = info.annotation
    if get_origin(annotation) in (tuple, list):
        return str
    if isinstance(annotation, type) and issubclass(annotation, (Path, bool, int, float, str)):
        return annotation
    return str


def _shown_default(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    default = info.get_default(call_default_factory=True)
    if isinstance(default, tuple | list):
        return ",".join(str(v) for v in default) or "(none)"
    return str(default) if default != "" else "(none)"


def fields_as_parameters(model: type[BaseSettings],
                         names: tuple[str, ...]) -> list[inspect.Parameter]:
    """One keyword parameter per field, as Typer reads a command's signature."""
    params = []
    for name in names:
        info = model.model_fields[name]
        option = typer.Option(option_name(name, info), envvar=env_name(model, name),
                              help=info.description, show_default=_shown_default(info))
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=Annotated[_cli_type(info) | None, option]))
    return params


def settings_options(model: type[S], *names: str) -> Callable[[F], F]:
    """Give a command one option per field in `names` (all fields if none are named); the
    command receives the validated settings object as its first argument, `settings`."""
    chosen = names or tuple(model.model_fields)

    def decorate(command: F) -> F:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.name != "settings"]
        generated = fields_as_parameters(model, chosen)

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in chosen if kwargs.get(n) is not None}
            try:
                settings = model(**given)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = str(first["loc"][0]) if first["loc"] else ""
                hint = option_name(field, model.model_fields[field]) \
                    if field in model.model_fields else None
                message = str(first["msg"]).removeprefix("Value error, ")
                raise typer.BadParameter(message, param_hint=hint) from None
            for n in chosen:
                kwargs.pop(n, None)
            return command(settings, **kwargs)

        del wrapper.__wrapped__  # Typer reads the new signature, not the command's
        wrapper.__signature__ = inspect.Signature([*own, *generated])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in (*own, *generated)}
        return wrapper  # type: ignore[return-value]

    return decorate
