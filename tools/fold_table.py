"""Print search/_words.c's fold table: each letter of the compiled split's Latin ranges that tantivy's
ascii_fold filter folds to one ASCII character, as that character (tests/search/test_pairs.py checks
the table against tantivy for every code point).

    .venv/bin/python tools/fold_table.py
"""

from __future__ import annotations

import tantivy

RANGES = ((0xC0, 0x250), (0x1E00, 0x1F00))  # search/_words.c: FOLD_LATIN, FOLD_ADDITIONAL


def folded(cp: int) -> str:
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.ascii_fold()).build()
    out = "".join(analyzer.analyze(chr(cp)))
    return out if len(out) == 1 and out.isascii() and out != chr(cp) else ""


def main() -> None:
    for name, (lo, hi) in zip(("FOLD_LATIN", "FOLD_ADDITIONAL"), RANGES):
        cells = [f"'{folded(cp)}'" if folded(cp) else "0" for cp in range(lo, hi)]
        print(f"static const char {name}[0x{hi:X} - 0x{lo:X}] = {{")
        for i in range(0, len(cells), 16):
            print(f"    {', '.join(cells[i:i + 16])}, /* U+{lo + i:04X} */")
        print("};")


if __name__ == "__main__":
    main()
