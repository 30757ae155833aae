"""One row of a ledger being checked (``Cells``), and what every kind's
importer does (``Importer``): check rows one by one, then the file as a
whole, then write the rows that passed."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import ValidationError
from sqlmodel import Session

from shared_models.protocol.administration import ImportProblem, NewAccount
from sync_server.services.administration.sheets import LABELS, SheetSpec
from sync_server.services.administration.values import (
    CellValueError,
    clean_text,
    read_choice,
)

T = TypeVar("T")


class Cells:
    """The cells of one row by column key; every reader records a problem
    (naming the column) instead of raising, so one pass finds them all."""

    def __init__(
        self, sheet: str, number: int, spec: SheetSpec, where: dict[str, int], values: list[Any]
    ) -> None:
        self.sheet = sheet
        self.number = number
        self.headers = {column.key: column.header for column in spec.columns}
        self.values = {
            key: values[index] if index < len(values) else None for key, index in where.items()
        }
        self.problems: list[ImportProblem] = []

    def fail(self, key: str | None, problem: str, fix: str) -> None:
        column = None if key is None else self.headers.get(key, key)
        self.problems.append(
            ImportProblem(
                sheet=self.sheet, row=self.number, column=column, problem=problem, fix=fix
            )
        )

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str, required: bool = False, max_length: int = 200) -> str:
        value = clean_text(self.raw(key))
        if required and not value:
            self.fail(key, f"“{self.headers[key]}”没有填写", "该列必填")
        elif len(value) > max_length:
            self.fail(key, f"内容超过 {max_length} 个字", f"缩短到 {max_length} 个字以内")
            return value[:max_length]
        return value

    def read(self, key: str, reader: Callable[[Any], T], default: T) -> T:
        """``reader`` applied to the cell; on a problem, ``default`` (and the problem noted)."""
        try:
            return reader(self.raw(key))
        except CellValueError as problem:
            self.fail(key, problem.problem, problem.fix)
            return default

    def choice(self, key: str, labels: str, what: str, default: str | None = None) -> str:
        """A word of ``LABELS[labels]``; empty is ``default`` (when there is one)."""
        if default is not None and not clean_text(self.raw(key)):
            return default
        return self.read(key, lambda value: read_choice(value, LABELS[labels], what), "")

    def model_problem(self, error: ValidationError, columns: dict[str, str]) -> None:
        """A record the domain schema refused: each error under its column."""
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else None
            key = columns.get(field or "")
            message = str(item["msg"]).removeprefix("Value error, ")
            self.fail(key, f"数据不符合要求：{message}", "按“填写说明”修改该单元格")

    @property
    def ok(self) -> bool:
        return not self.problems


class Importer(ABC):
    """Base of each kind's importer: ``check`` every row, ``finish`` with the
    checks across rows, then ``write`` what passed (rows not in ``bad``)."""

    def __init__(self, session: Session, sheet: str, time_zone: str) -> None:
        self.session = session
        self.sheet = sheet
        self.time_zone = time_zone
        self.unchanged = 0

    def prepare(self, rows: list[Cells]) -> None:  # noqa: B027 (optional; most need nothing)
        """Look up, in a few queries, what the rows will be matched against."""

    @abstractmethod
    def check(self, cells: Cells) -> None:
        """Check one row; note its problems in ``cells`` and plan what to write."""

    def finish(self) -> list[ImportProblem]:
        """Problems only the whole file shows (a parent unit further down)."""
        return []

    @abstractmethod
    def write(
        self, bad: set[int], now: datetime, created_by: UUID | None
    ) -> tuple[int, list[NewAccount]]:
        """Write the planned records of rows not in ``bad``: how many, and new accounts."""

    def problem(self, row: int | None, column: str | None, problem: str, fix: str) -> ImportProblem:
        return ImportProblem(sheet=self.sheet, row=row, column=column, problem=problem, fix=fix)
