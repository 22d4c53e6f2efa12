/* The plain words of a lowercased page, and the two texts the embedded index makes of them
 * (search/pairs.py): its diacritic words and its word pairs, in one pass over the page's UTF-8.
 *
 * A page's preparation in Python (split, a set of the words, a pair per word) took 150-250 us of
 * the 650-720 us a page of a bulk build cost (50,000 pages of bench/search_scale.py's corpus, CPU),
 * more than tantivy's indexing of the body field.
 *
 * A word is a run of letters and digits, as Python's re `[^\W_]+` finds them. This module knows
 * every character of the scripts Vietnamese pages are written in (ASCII, Latin-1, Latin Extended
 * A, B and Additional) and the punctuation they use (Latin-1's and General Punctuation); a page
 * with any other character gets None, and Python's own split (tests/search/test_pairs.py checks
 * both against that regex for every code point).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { SEPARATOR = 0, LETTER = 1, UNKNOWN = 2 };

/* What a code point is to the split. */
static int kind_of(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ? LETTER : SEPARATOR;
    if (cp < 0xA0)
        return SEPARATOR; /* C1 controls */
    if (cp < 0xC0) /* Latin-1 punctuation and symbols, but for its letters and digits: ª ² ³ µ ¹ º ¼ ½ ¾ */
        return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA
                       || (cp >= 0xBC && cp <= 0xBE)
                   ? LETTER
                   : SEPARATOR;
    if (cp < 0x250) /* Latin-1 letters, Latin Extended-A and -B (ă đ ĩ ũ ơ ư), but for × and ÷ */
        return cp == 0xD7 || cp == 0xF7 ? SEPARATOR : LETTER;
    if (cp >= 0x1E00 && cp <= 0x1EFF) /* Latin Extended Additional: ạ ả ấ ầ ẩ ẫ ậ ... ỹ */
        return LETTER;
    if (cp >= 0x2000 && cp <= 0x206F) /* General Punctuation: quotes, dashes, ellipsis, odd spaces */
        return SEPARATOR;
    return UNKNOWN;
}

typedef struct { /* 8 bytes: a page's words take four times its bytes at most */
    uint32_t start;
    uint32_t len : 31;
    uint32_t diacritic : 1; /* has a non-ASCII letter */
} Word;

#define EMPTY UINT32_MAX /* a free slot of diacritic_text's table */

/* The code point at `s` (valid UTF-8: the str's own) and its length in bytes. */
static inline uint32_t decode(const unsigned char *s, int *width)
{
    unsigned char b = s[0];
    if (b < 0x80)
        return *width = 1, b;
    if (b < 0xE0)
        return *width = 2, ((uint32_t)(b & 0x1F) << 6) | (s[1] & 0x3F);
    if (b < 0xF0)
        return *width = 3, ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return *width = 4, ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6)
                           | (s[3] & 0x3F);
}

/* The words of `s`, or -1 when a character is UNKNOWN. `words` holds n / 2 + 1 entries. */
static Py_ssize_t split(const unsigned char *s, Py_ssize_t n, Word *words)
{
    Py_ssize_t count = 0, i = 0, start = -1;
    int diacritic = 0;
    while (i < n) {
        unsigned char b = s[i];
        int width;
        uint32_t cp = decode(s + i, &width);
        int kind = kind_of(cp);
        if (kind == UNKNOWN)
            return -1;
        if (kind == LETTER) {
            if (start < 0)
                start = i, diacritic = 0;
            diacritic |= b >= 0x80;
        } else if (start >= 0) {
            words[count++] = (Word){(uint32_t)start, (uint32_t)(i - start), (uint32_t)diacritic};
            start = -1;
        }
        i += width;
    }
    if (start >= 0)
        words[count++] = (Word){(uint32_t)start, (uint32_t)(n - start), (uint32_t)diacritic};
    return count;
}

static uint64_t hash_of(const unsigned char *p, Py_ssize_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (Py_ssize_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* The diacritic words, each once, in the order they first appear, joined by spaces, into `out`;
 * returns the length written. `table` has `size` slots, a power of two at least twice the word count. */
static Py_ssize_t diacritic_text(const unsigned char *s, const Word *words, Py_ssize_t count, uint32_t *table,
                                 Py_ssize_t size, unsigned char *out)
{
    Py_ssize_t written = 0;
    memset(table, 0xFF, (size_t)size * sizeof(uint32_t)); /* every slot EMPTY */
    for (Py_ssize_t w = 0; w < count; w++) {
        if (!words[w].diacritic)
            continue;
        const unsigned char *p = s + words[w].start;
        Py_ssize_t len = words[w].len, slot = (Py_ssize_t)(hash_of(p, len) & (uint64_t)(size - 1));
        int seen = 0;
        while (table[slot] != EMPTY) {
            const Word *other = &words[table[slot]];
            if (other->len == len && memcmp(s + other->start, p, (size_t)len) == 0) {
                seen = 1;
                break;
            }
            slot = (slot + 1) & (size - 1);
        }
        if (seen)
            continue;
        table[slot] = (uint32_t)w;
        if (written)
            out[written++] = ' ';
        memcpy(out + written, p, (size_t)len);
        written += len;
    }
    return written;
}

/* The letters tantivy's ascii_fold filter folds to one ASCII character, as that character (0: any
 * other, left for the filter), made by tools/fold_table.py. Folding here spares the pair text a
 * non-ASCII str (decoded here, encoded back by tantivy) and the filter its work. */
static const char FOLD_LATIN[0x250 - 0xC0] = {
    'A', 'A', 'A', 'A', 'A', 'A', 0, 'C', 'E', 'E', 'E', 'E', 'I', 'I', 'I', 'I', /* U+00C0 */
    'D', 'N', 'O', 'O', 'O', 'O', 'O', 0, 'O', 'U', 'U', 'U', 'U', 'Y', 0, 0, /* U+00D0 */
    'a', 'a', 'a', 'a', 'a', 'a', 0, 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', /* U+00E0 */
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y', 0, 'y', /* U+00F0 */
    'A', 'a', 'A', 'a', 'A', 'a', 'C', 'c', 'C', 'c', 'C', 'c', 'C', 'c', 'D', 'd', /* U+0100 */
    'D', 'd', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'G', 'g', 'G', 'g', /* U+0110 */
    'G', 'g', 'G', 'g', 'H', 'h', 'H', 'h', 'I', 'i', 'I', 'i', 'I', 'i', 'I', 'i', /* U+0120 */
    'I', 'i', 0, 0, 'J', 'j', 'K', 'k', 'q', 'L', 'l', 'L', 'l', 'L', 'l', 'L', /* U+0130 */
    'l', 'L', 'l', 'N', 'n', 'N', 'n', 'N', 'n', 'n', 'N', 'n', 'O', 'o', 'O', 'o', /* U+0140 */
    'O', 'o', 0, 0, 'R', 'r', 'R', 'r', 'R', 'r', 'S', 's', 'S', 's', 'S', 's', /* U+0150 */
    'S', 's', 'T', 't', 'T', 't', 'T', 't', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', /* U+0160 */
    'U', 'u', 'U', 'u', 'W', 'w', 'Y', 'y', 'Y', 'Z', 'z', 'Z', 'z', 'Z', 'z', 's', /* U+0170 */
    'b', 'B', 'B', 'b', 0, 0, 'O', 'C', 'c', 'D', 'D', 'D', 'd', 0, 'E', 'A', /* U+0180 */
    'E', 'F', 'f', 'G', 0, 0, 'I', 'I', 'K', 'k', 'l', 0, 'M', 'N', 'n', 'O', /* U+0190 */
    'O', 'o', 0, 0, 'P', 'p', 0, 0, 0, 0, 0, 't', 'T', 't', 'T', 'U', /* U+01A0 */
    'u', 0, 'V', 'Y', 'y', 'Z', 'z', 0, 0, 0, 0, 0, 0, 0, 0, 'w', /* U+01B0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'A', 'a', 'I', /* U+01C0 */
    'i', 'O', 'o', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'e', 'A', 'a', /* U+01D0 */
    'A', 'a', 0, 0, 'G', 'G', 'G', 'G', 'K', 'k', 'O', 'o', 'O', 'o', 0, 0, /* U+01E0 */
    'j', 0, 0, 0, 'G', 'g', 0, 'W', 'N', 'n', 'A', 'a', 0, 0, 'O', 'o', /* U+01F0 */
    'A', 'a', 'A', 'a', 'E', 'e', 'E', 'e', 'I', 'i', 'I', 'i', 'O', 'o', 'O', 'o', /* U+0200 */
    'R', 'r', 'R', 'r', 'U', 'u', 'U', 'u', 'S', 's', 'T', 't', 'Z', 'z', 'H', 'h', /* U+0210 */
    'N', 'd', 0, 0, 'Z', 'z', 'A', 'a', 'E', 'e', 'O', 'o', 'O', 'o', 'O', 'o', /* U+0220 */
    'O', 'o', 'Y', 'y', 'l', 'n', 't', 'j', 0, 0, 'A', 'C', 'c', 'L', 'T', 's', /* U+0230 */
    'z', 0, 0, 'B', 'U', 'V', 'E', 'e', 'J', 'j', 'Q', 'q', 'R', 'r', 'Y', 'y', /* U+0240 */
};
static const char FOLD_ADDITIONAL[0x1F00 - 0x1E00] = {
    'A', 'a', 'B', 'b', 'B', 'b', 'B', 'b', 'C', 'c', 'D', 'd', 'D', 'd', 'D', 'd', /* U+1E00 */
    'D', 'd', 'D', 'd', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'F', 'f', /* U+1E10 */
    'G', 'g', 'H', 'h', 'H', 'h', 'H', 'h', 'H', 'h', 'H', 'h', 'I', 'i', 'I', 'i', /* U+1E20 */
    'K', 'k', 'K', 'k', 'K', 'k', 'L', 'l', 'L', 'l', 'L', 'l', 'L', 'l', 'M', 'm', /* U+1E30 */
    'M', 'm', 'M', 'm', 'N', 'n', 'N', 'n', 'N', 'n', 'N', 'n', 'O', 'o', 'O', 'o', /* U+1E40 */
    'O', 'o', 'O', 'o', 'P', 'p', 'P', 'p', 'R', 'r', 'R', 'r', 'R', 'r', 'R', 'r', /* U+1E50 */
    'S', 's', 'S', 's', 'S', 's', 'S', 's', 'S', 's', 'T', 't', 'T', 't', 'T', 't', /* U+1E60 */
    'T', 't', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'V', 'v', 'V', 'v', /* U+1E70 */
    'W', 'w', 'W', 'w', 'W', 'w', 'W', 'w', 'W', 'w', 'X', 'x', 'X', 'x', 'Y', 'y', /* U+1E80 */
    'Z', 'z', 'Z', 'z', 'Z', 'z', 'h', 't', 'w', 'y', 'a', 'f', 's', 's', 0, 0, /* U+1E90 */
    'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', /* U+1EA0 */
    'A', 'a', 'A', 'a', 'A', 'a', 'A', 'a', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', /* U+1EB0 */
    'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'I', 'i', 'I', 'i', 'O', 'o', 'O', 'o', /* U+1EC0 */
    'O', 'o', 'O', 'o', 'O', 'o', 'O', 'o', 'O', 'o', 'O', 'o', 'O', 'o', 'O', 'o', /* U+1ED0 */
    'O', 'o', 'O', 'o', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u', /* U+1EE0 */
    'U', 'u', 'Y', 'y', 'Y', 'y', 'Y', 'y', 'Y', 'y', 0, 0, 'V', 0, 'Y', 'y', /* U+1EF0 */
};

/* The words folded (as far as the tables go) into `out`, their spans into `spans` (which may be
 * `words`); `out` needs no more than the page's bytes: a letter folds to one byte or stays. */
static void fold(const unsigned char *s, const Word *words, Py_ssize_t count, unsigned char *out, Word *spans)
{
    Py_ssize_t written = 0;
    for (Py_ssize_t w = 0; w < count; w++) {
        const unsigned char *p = s + words[w].start;
        Py_ssize_t len = words[w].len, start = written;
        if (!words[w].diacritic) {
            memcpy(out + written, p, (size_t)len);
            written += len;
        } else {
            for (Py_ssize_t i = 0; i < len;) {
                int width;
                uint32_t cp = decode(p + i, &width);
                char ascii = cp >= 0xC0 && cp < 0x250      ? FOLD_LATIN[cp - 0xC0]
                             : cp >= 0x1E00 && cp < 0x1F00 ? FOLD_ADDITIONAL[cp - 0x1E00]
                                                           : 0;
                if (ascii)
                    out[written++] = (unsigned char)ascii;
                else
                    memcpy(out + written, p + i, (size_t)width), written += width;
                i += width;
            }
        }
        spans[w] = (Word){(uint32_t)start, (uint32_t)(written - start), 0};
    }
}

/* "w1_w2 w2_w3 ..." into `out`; returns the length written. */
static Py_ssize_t pair_text(const unsigned char *s, const Word *words, Py_ssize_t count, unsigned char *out)
{
    Py_ssize_t written = 0;
    for (Py_ssize_t w = 0; w + 1 < count; w++) {
        if (w)
            out[written++] = ' ';
        memcpy(out + written, s + words[w].start, (size_t)words[w].len);
        written += words[w].len;
        out[written++] = '_';
        memcpy(out + written, s + words[w + 1].start, (size_t)words[w + 1].len);
        written += words[w + 1].len;
    }
    return written;
}

/* The two texts of the `count` words of `s` (`n` bytes), made in `out`; `table`: diacritic_text's. */
static PyObject *texts_of(const unsigned char *s, Py_ssize_t n, Word *words, Py_ssize_t count, uint32_t *table,
                          Py_ssize_t size, unsigned char *out)
{
    PyObject *diacritic = PyUnicode_DecodeUTF8((const char *)out, diacritic_text(s, words, count, table, size, out),
                                               "strict");
    if (diacritic == NULL)
        return NULL;
    unsigned char *folded = out + 2 * n + 1;
    fold(s, words, count, folded, words);
    PyObject *pairs = PyUnicode_DecodeUTF8((const char *)out, pair_text(folded, words, count, out), "strict");
    PyObject *result = pairs == NULL ? NULL : PyTuple_Pack(2, diacritic, pairs);
    Py_DECREF(diacritic);
    Py_XDECREF(pairs);
    return result;
}

static PyObject *page_texts(PyObject *module, PyObject *text)
{
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "page_texts() takes a str");
        return NULL;
    }
    Py_ssize_t n;
    const unsigned char *s = (const unsigned char *)PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL) { /* a lone surrogate: no UTF-8 for it */
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (n >= (Py_ssize_t)1 << 30) /* beyond Word's offsets (and no page's text) */
        Py_RETURN_NONE;
    /* A word takes a byte and a separator. `out`: the texts (a pair text repeats each word once:
     * under 2n bytes), then the folded words (n bytes at most). */
    Word *words = PyMem_Malloc(((size_t)n / 2 + 1) * sizeof(Word));
    unsigned char *out = PyMem_Malloc((size_t)n * 3 + 2);
    Py_ssize_t count = words == NULL || out == NULL ? -2 : split(s, n, words); /* -1: UNKNOWN */
    Py_ssize_t size = 16; /* at most half full */
    while (size < 2 * count)
        size <<= 1;
    uint32_t *table = count >= 0 ? PyMem_Malloc((size_t)size * sizeof(uint32_t)) : NULL;
    PyObject *result;
    if (count == -1)
        result = Py_NewRef(Py_None);
    else if (table == NULL)
        result = PyErr_NoMemory();
    else
        result = texts_of(s, n, words, count, table, size, out);
    PyMem_Free(words);
    PyMem_Free(out);
    PyMem_Free(table);
    return result;
}

static PyMethodDef methods[] = {
    {"page_texts", page_texts, METH_O,
     "page_texts(lowered: str) -> (diacritic words, word pairs, folded as far as this module knows), or "
     "None for a page with a character this split does not know."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "search._words", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__words(void) { return PyModule_Create(&module); }
