"""How read commands print (copyright_hub/commands/_output.py): on a narrow terminal a table folds a
hash but never cuts it; piped, rows are tab-separated and whole; JSON keeps keys and strings as given;
dates, territories and amounts read as words."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from copyright_hub.commands import _output

TX = "0x" + "ab" * 32
ROWS = [{"licence_id": str(2**64 + 1), "tx": TX, "price": _output.money_json(25 * 10**16, "0x" + "00" * 20)}]
COLUMNS = [("licence_id", "licence"), ("tx", "tx"), ("price", "price")]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_narrow_terminal_folds_a_hash_but_keeps_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setenv("COLUMNS", "40")
    _output.show_rows(ROWS, COLUMNS, as_json=False, title="sold", empty="none")
    text = screen.getvalue()
    assert "…" not in text and "─" in text  # a rich table, nothing cut with an ellipsis
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines()]
    columns = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    body = columns  # the header row is drawn with heavy bars (┃), the body with light ones (│)
    assert "".join(row[0] for row in body) == str(2**64 + 1)
    assert "".join(row[1] for row in body) == TX  # folded over lines, whole when read down its column


def test_piped_rows_are_whole_and_tab_separated(capsys: pytest.CaptureFixture[str]) -> None:
    _output.show_rows(ROWS, COLUMNS, as_json=False, title="sold", empty="none")
    header, row = capsys.readouterr().out.splitlines()
    assert header.split("\t") == ["licence", "tx", "price"]
    assert row.split("\t") == [str(2**64 + 1), TX, "0.25 ETH"]


def test_json_is_the_rows_with_uint256_as_strings(capsys: pytest.CaptureFixture[str]) -> None:
    _output.show_rows(ROWS, COLUMNS, as_json=True, title="sold", empty="none")
    assert json.loads(capsys.readouterr().out) == [
        {
            "licence_id": str(2**64 + 1),
            "tx": TX,
            "price": {"amount": str(25 * 10**16), "currency": "ETH", "text": "0.25 ETH"},
        }
    ]


def test_values_read_as_words() -> None:
    assert _output.when(0) == "1970-01-01T00:00:00Z"
    assert _output.when(2**40 * 10**6) == "never"
    assert _output.territories([]) == "worldwide"
    assert _output.territories([156, 999]) == "156 China, 999 not an ISO 3166-1 code (999)"
