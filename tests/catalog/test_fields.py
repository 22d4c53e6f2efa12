"""Field extraction: identifiers with OCR slips, dates in both notations, number and symbol,
names with Vietnamese capitalisation, agency, positions from OCR word boxes."""
from __future__ import annotations

from pathlib import Path

import pytest

from catalog import catalogs, fields
from ocr import PageText, Word


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    db = catalogs.open_database(f"sqlite:///{tmp_path_factory.mktemp('fields') / 'c.sqlite3'}")
    with db.session() as s:
        yield catalogs.active_catalog(s)
    db.dispose()


def extract(catalog, text: str) -> fields.Extraction:
    return fields.extract([fields.TextPage(1, text)], catalog)


DECISION = """BẢO HIỂM XÃ HỘI VIỆT NAM CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
BẢO HIỂM XÃ HỘI TỈNH PHÚ THỌ Độc lập - Tự do - Hạnh phúc
Số: 123/QĐ-BHXH Phú Thọ, ngày 5 tháng 4 năm 2023
QUYẾT ĐỊNH
Về việc hưởng lương hưu hằng tháng
Họ và tên: NGUYỄN VĂN ĐỨC, sinh ngày 12/03/1975
Số định danh cá nhân: 025075004567
Mã số BHXH: 2512345678
Điện thoại: 0912345678"""


def test_a_decision(catalog):
    found = extract(catalog, DECISION)
    values = {k: f.value for k, f in found.fields.items()}
    assert values["document_number"] == "123/QĐ-BHXH"
    assert values["issuer_symbol"] == "BHXH"
    assert values["issue_date"] == "2023-04-05"
    assert values["birth_date"] == "1975-03-12"
    assert values["personal_id"] == "025075004567"
    assert values["social_insurance_code"] == "2512345678"
    assert values["full_name"] == "Nguyễn Văn Đức"
    assert values["issuing_agency"] == "BẢO HIỂM XÃ HỘI TỈNH PHÚ THỌ"
    assert values["abstract"] == "Về việc hưởng lương hưu hằng tháng"
    assert "birth_year_matches" in found.fields["personal_id"].notes
    assert all(0 < f.confidence <= 1 for f in found.fields.values())
    assert "0912345678" not in {f.value for f in found.fields.values()}  # a phone number is not an ID


@pytest.mark.parametrize("raw, expected", [
    ("0012O3OO4567", "001203004567"),   # O read for 0
    ("00l203004567", "001203004567"),   # l read for 1
    ("001 203 004 567", "001203004567"),
])
def test_ocr_slips_in_personal_id_are_repaired_at_a_cost(catalog, raw, expected):
    found = extract(catalog, f"Số định danh cá nhân: {raw}").fields["personal_id"]
    assert found.value == expected
    clean = extract(catalog, f"Số định danh cá nhân: {expected}").fields["personal_id"]
    if raw.replace(" ", "") != expected:
        assert "repaired_ocr_digits" in found.notes and found.confidence < clean.confidence


def test_province_prefix_is_checked_against_the_catalog(catalog):
    good = extract(catalog, "Số CCCD: 001203004567").fields["personal_id"]
    bad = extract(catalog, "Số CCCD: 003203004567").fields["personal_id"]  # 003 is no province
    assert "unknown_province_prefix" in bad.notes and bad.confidence < good.confidence - 0.3


def test_birth_year_in_the_id_is_checked(catalog):
    found = extract(catalog, "Ngày sinh: 02/01/1990\nSố định danh cá nhân: 001203004567")
    assert "birth_year_mismatch" in found.fields["personal_id"].notes


@pytest.mark.parametrize("text, role, value", [
    ("Sinh ngày 5/4/2023", "birth_date", "2023-04-05"),
    ("Hà Nội, ngày 05 tháng 4 năm 2023", "issue_date", "2023-04-05"),
    ("Ha Noi, ngay 5 thang 04 nam 2023", "issue_date", "2023-04-05"),  # diacritics dropped
    ("Có giá trị đến: 31.12.2030", "valid_until", "2030-12-31"),
    ("Date of expiry: 3l/12/2O30", "valid_until", "2030-12-31"),
])
def test_dates(catalog, text, role, value):
    assert extract(catalog, text).fields[role].value == value


def test_impossible_dates_are_ignored(catalog):
    assert not extract(catalog, "Ngày sinh: 31/02/1990").dates


@pytest.mark.parametrize("text, number, issuer", [
    ("Số: 1568/BHXH-PC", "1568/BHXH-PC", "BHXH"),          # letter: agency first
    ("Số: 45/2023/QĐ-UBND", "45/2023/QĐ-UBND", "UBND"),    # legal document with its year
    ("Sô: 12 / TB-BHXH", "12/TB-BHXH", "BHXH"),            # OCR's "Sô", spaced slashes
])
def test_number_and_symbol(catalog, text, number, issuer):
    found = extract(catalog, text)
    assert found.fields["document_number"].value == number
    assert found.fields["issuer_symbol"].value == issuer


def test_names_of_other_people_are_not_the_owner(catalog):
    found = extract(catalog, "Họ, chữ đệm, tên người mẹ: Lê Thị Hoa\nHọ, chữ đệm, tên: TRẦN MINH ANH\n")
    assert found.fields["full_name"].value == "Trần Minh Anh"
    assert {n.value: n.label for n in found.names} == {"Lê Thị Hoa": "other", "Trần Minh Anh": "owner"}


def test_certified_copy_is_noticed(catalog):
    assert extract(catalog, "GIẤY KHAI SINH\n(Bản sao)").fields["certified_copy"].value == "true"


def test_positions_come_from_the_ocr_words(catalog):
    text = "Số định danh cá nhân: 001203004567"
    words, x = [], 10
    for token in text.split(" "):
        words.append(Word(token, 90.0, x, 100, 20 * len(token), 30))
        x += 20 * len(token) + 10
    page = PageText(number=2, text=text, confidence=90.0, source="ocr", words=tuple(words))
    found = fields.extract([page], catalog).fields["personal_id"]
    last = words[-1]
    assert found.page == 2
    assert found.bbox == (last.left, last.top, last.left + last.width, last.top + last.height)
    assert found.to_json()["bbox"] == list(found.bbox)


def test_health_insurance_card_code_gives_the_insurance_code(catalog):
    found = extract(catalog, "Mã thẻ: GD4 01 2512345678")
    assert found.fields["social_insurance_code"].value == "2512345678"


def test_extraction_is_fast(catalog):
    import time

    text = (Path(__file__).parents[2] / "catalog" / "data" / "sample" / "document_types.csv").read_text()[:6000]
    started = time.perf_counter()
    extract(catalog, DECISION + "\n" + text)
    assert time.perf_counter() - started < 0.5
