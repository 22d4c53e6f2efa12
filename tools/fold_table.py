"""Print search/_words.c's fold table: each letter of the compiled split's Latin ranges that the
pairs field's analyzer (tantivy's ascii_fold) folds to one ASCII character, as that character
(tests/search/test_pairs.py checks the table against tantivy for every code point).

    .venv/bin/python tools/fold_table.py
"""

from __future__ import annotations

from search.pairs import pair_analyzer

RANGES = ((0xC0, 0x250), (0x1E00, 0x1F00))  # search/_words.c: FOLD_LATIN, FOLD_ADDITIONAL


def main() -> None:
    analyzer = pair_analyzer()  # what the pairs field folds with
    for name, (lo, hi) in zip(("FOLD_LATIN", "FOLD_ADDITIONAL"), RANGES):
        folds = ["".join(analyzer.analyze(chr(cp))) for cp in range(lo, hi)]
        cells = [f"'{out}'" if len(out) == 1 and out.isascii() and out != chr(cp) else "0"
                 for cp, out in zip(range(lo, hi), folds)]
        print(f"static const char {name}[0x{hi:X} - 0x{lo:X}] = {{")
        for i in range(0, len(cells), 16):
            print(f"    {', '.join(cells[i:i + 16])}, /* U+{lo + i:04X} */")
        print("};")


if __name__ == "__main__":
    main()
