"""Text cells a spreadsheet will not run: what every CSV the API writes
(the trade register, a list's `?format=csv`) does to stored text."""

#: A spreadsheet reads a cell that starts with one of these as a formula
#: (OWASP's CSV-injection list: = + - @ tab CR; and NUL, which ASVS 1.2.10 adds).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\x00")


def spreadsheet_safe(cell: str) -> str:
    """`cell` with a single quote in front if a spreadsheet would take it for a
    formula: the quote makes the spreadsheet show the rest as text. A reader
    of the CSV that wants the stored value drops a leading quote followed by
    one of `FORMULA_TRIGGERS`."""
    return "'" + cell if cell[:1] in FORMULA_TRIGGERS else cell
