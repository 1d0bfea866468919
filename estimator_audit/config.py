"""Configuration: `[tool.estimator-audit]` in pyproject.toml, overridden by command-line flags."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SEED = 42
# The TensorFlow the code must run on. 2.16 removed tf.estimator and made Keras 3 the default.
DEFAULT_TARGET = (2, 21)
KNOWN_KEYS = {"select", "ignore", "per-file-ignores", "exclude", "extend-exclude", "seed", "target"}


class ConfigError(Exception):
    """A setting that cannot be used; the CLI exits 2 with this message."""


# keras.utils.set_random_seed passes the seed to np.random.seed, which takes 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1


def checked_seed(seed: int) -> int:
    """A seed every seeding call the fixes insert accepts, or ConfigError."""
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed must be between 0 and {MAX_SEED} (np.random.seed's range), got {seed}")
    return seed


def parse_version(text: str) -> tuple[int, int]:
    try:
        major, minor = (int(part) for part in str(text).split(".")[:2])
    except ValueError:
        raise ConfigError(f"target must look like 2.16, got {text!r}") from None
    return (major, minor)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; per-file parts are read by `codes_for`."""

    select: tuple[str, ...] = ("EA",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    seed: int = DEFAULT_SEED
    target: tuple[int, int] = DEFAULT_TARGET
    root: Path = field(default_factory=Path.cwd)

    def enabled(self, codes: Iterable[str], path: str | None = None) -> frozenset[str]:
        """The codes that apply to a file: selected, not ignored, not ignored for that path."""
        ignore = list(self.ignore)
        if path is not None and self.per_file_ignores:
            relative = relative_path(path, self.root)
            for pattern, codes_ignored in self.per_file_ignores:
                if glob_match(relative, pattern):
                    ignore.extend(codes_ignored)
        return frozenset(
            code
            for code in codes
            if any(code.startswith(s) for s in self.select)
            and not any(code.startswith(i) for i in ignore)
        )


def relative_path(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return Path(path).as_posix()


def glob_match(relative: str, pattern: str) -> bool:
    """Match a root-relative path against a glob, also by its file name alone (as ruff does)."""
    pattern = pattern.rstrip("/")
    return (
        fnmatch.fnmatchcase(relative, pattern)
        or fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], pattern)
        or any(fnmatch.fnmatchcase(part, pattern) for part in relative.split("/")[:-1])
        or fnmatch.fnmatchcase(relative, pattern + "/*")
    )


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.estimator-audit] table."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as error:
                raise ConfigError(f"{candidate}: {error}") from None
            tool = data.get("tool")
            if isinstance(tool, dict) and "estimator-audit" in tool:
                return candidate
    return None


def string_list(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{key} must be a list of strings")


def from_table(table: Mapping[str, object], root: Path, known_codes: Iterable[str]) -> Settings:
    """Settings from a `[tool.estimator-audit]` table (or its command-line equivalent)."""
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = Settings(root=root)
    codes = list(known_codes)
    updates: dict[str, object] = {}
    for key in ("select", "ignore"):
        if key in table:
            updates[key] = check_codes(string_list(table[key], key), codes)
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError("per-file-ignores must be a table of glob = [codes]")
        updates["per_file_ignores"] = tuple(
            (glob, check_codes(string_list(value, "per-file-ignores"), codes))
            for glob, value in raw.items()
        )
    exclude = string_list(table.get("exclude", []), "exclude")
    exclude += string_list(table.get("extend-exclude", []), "extend-exclude")
    if exclude:
        updates["exclude"] = exclude
    if "seed" in table:
        if not isinstance(table["seed"], int) or isinstance(table["seed"], bool):
            raise ConfigError("seed must be an integer")
        updates["seed"] = checked_seed(table["seed"])
    if "target" in table:
        updates["target"] = parse_version(str(table["target"]))
    return replace(settings, **updates)  # type: ignore[arg-type]


def check_codes(selectors: tuple[str, ...], codes: list[str]) -> tuple[str, ...]:
    """Selectors are codes or code prefixes (EA2, EA203); ALL means every rule."""
    out = []
    for selector in selectors:
        selector = selector.strip().upper()
        if selector == "ALL":
            selector = "EA"
        if not any(code.startswith(selector) for code in codes):
            raise ConfigError(f"unknown rule selector {selector!r}")
        out.append(selector)
    return tuple(out)


def load_settings(start: Path, config_file: Path | None, known_codes: Iterable[str]) -> Settings:
    """Read the project's configuration, or the defaults when it has none."""
    path = config_file or find_pyproject(start.resolve())
    if path is None:
        return Settings(root=start.resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    where = "[tool.estimator-audit]" if path.name == "pyproject.toml" else "the configuration"
    table: object = data
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("estimator-audit", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table of settings (select = [...], seed = 42, ...)")
    try:
        return from_table(table, path.parent.resolve(), known_codes)
    except ConfigError as error:
        raise ConfigError(f"{path}: {where}: {error}") from None
