"""Document-type classification on rendered scans the classifier never saw.

    .venv/bin/python bench/classify_eval.py [--per-type 3] [--seed 11] [--workers 2]

For every document type of the shipped SAMPLE catalog this renders papers with Pillow from the
templates below — written independently of the catalog's exemplar lines, with their own
wording, random people, numbers, dates and agencies — as clean pages and as noisy scans (blur,
speckle, up to 2° skew, heavy JPEG). Each page goes through the production OCR path
(``ocr.digitize``: deskew, Tesseract ``vie``) and then through the classifier exactly as the
pipeline calls it, with a model trained from the catalog alone (no confirmed documents: the state
of a fresh installation). It prints top-1 accuracy (all / clean / noisy), top-3 accuracy, how
many proposals were flagged for review and the accuracy of the ones that were not, and a
confusion list.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from tests.render import encode, noisy, render_lines, skewed  # noqa: E402

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân", "Hồng", "Bảo"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
PROVINCES = ["Phú Thọ", "Hà Nội", "Nam Định", "Thanh Hóa", "Nghệ An", "Bắc Giang", "Thái Bình", "Hải Dương",
             "Vĩnh Phúc", "Tuyên Quang"]
PLACES = ["xã Tiên Kiên, huyện Lâm Thao", "phường Gia Cẩm, thành phố Việt Trì", "xã Hương Xạ, huyện Hạ Hòa",
          "thị trấn Thanh Sơn, huyện Thanh Sơn", "xã Đồng Lạc, huyện Yên Lập", "phường Âu Cơ, thị xã Phú Thọ"]
COMPANIES = ["CÔNG TY TNHH MAY PHÚ AN", "CÔNG TY CỔ PHẦN GẠCH MEN HƯNG THỊNH", "CÔNG TY TNHH ĐIỆN TỬ VIỆT TRÌ",
             "CÔNG TY CP CHÈ PHÚ BỀN", "TRƯỜNG TIỂU HỌC HÙNG VƯƠNG"]
HOSPITALS = ["BỆNH VIỆN ĐA KHOA TỈNH", "BỆNH VIỆN SẢN NHI TỈNH", "TRUNG TÂM Y TẾ HUYỆN LÂM THAO",
             "BỆNH VIỆN ĐA KHOA KHU VỰC PHÚ THỌ"]
DIAGNOSES = ["Viêm phổi cấp", "Sốt xuất huyết Dengue", "Gãy kín 1/3 giữa xương cẳng tay phải", "Viêm ruột thừa cấp",
             "Tăng huyết áp độ II", "Thai 39 tuần chuyển dạ", "Viêm dạ dày cấp", "Đái tháo đường typ 2"]
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


class Person:
    def __init__(self, rng: random.Random) -> None:
        self.name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        self.dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1955, 2005)}"
        self.pid = f"0{rng.choice(['01', '25', '36', '38', '40'])}{rng.randint(0, 3)}{rng.randint(0, 99999999):08d}"
        self.si = f"{rng.randint(0, 99):02d}{rng.randint(0, 99999999):08d}"
        self.place = rng.choice(PLACES)
        self.province = rng.choice(PROVINCES)
        self.sex = rng.choice(["Nam", "Nữ"])


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2025)}"


def _long_date(rng: random.Random, province: str) -> str:
    return f"{province}, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} năm {rng.randint(2018, 2025)}"


def _money(rng: random.Random) -> str:
    return f"{rng.randint(1, 250) * 100_000:,}".replace(",", ".") + " đồng"


def header(agency: list[str], motto: bool = True) -> list[str]:
    return [*agency, *(MOTTO if motto else [])]


def bhxh_agency(p: Person, rng: random.Random) -> list[str]:
    return rng.choice([["BẢO HIỂM XÃ HỘI VIỆT NAM", f"BẢO HIỂM XÃ HỘI TỈNH {p.province.upper()}"],
                       [f"BẢO HIỂM XÃ HỘI TỈNH {p.province.upper()}"],
                       [f"BHXH TỈNH {p.province.upper()}", "BHXH HUYỆN LÂM THAO"]])


def decision(p: Person, rng: random.Random, title: str, chief: str, articles: list[str], agency=None) -> list[str]:
    lines = header(agency or bhxh_agency(p, rng))
    lines += [f"Số: {rng.randint(10, 3999)}/QĐ-BHXH", _long_date(rng, p.province), "QUYẾT ĐỊNH", title, chief]
    lines += [f"Căn cứ hồ sơ của {rng.choice(['ông', 'bà'])} {p.name}, sinh ngày {p.dob};", "QUYẾT ĐỊNH:"]
    return lines + articles + ["Nơi nhận:", "- Như Điều 2;", "- Lưu: VT, CĐBHXH."]


def t(p: Person, rng: random.Random) -> dict[str, list[str]]:
    """One paper per document-type code, with the wording of this bench (not of the catalog)."""
    hosp = rng.choice(HOSPITALS) + f" {p.province.upper()}"
    company = rng.choice(COMPANIES)
    d1, d2 = _date(rng), _date(rng)
    money = _money(rng)
    diag = rng.choice(DIAGNOSES)
    kin = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return {
        "NT01": ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM", "CĂN CƯỚC CÔNG DÂN",
                 f"Số / No.: {p.pid}", f"Họ và tên / Full name: {p.name.upper()}",
                 f"Ngày sinh / Date of birth: {p.dob}", f"Giới tính / Sex: {p.sex}",
                 f"Quê quán / Place of origin: {p.place}", f"Nơi thường trú / Place of residence: {p.place}",
                 f"Có giá trị đến / Date of expiry: {d2}"],
        "NT02": ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY CHỨNG MINH NHÂN DÂN", f"SỐ {p.pid[3:]}",
                 f"Họ tên {p.name.upper()}", f"Sinh ngày {p.dob}", f"Nguyên quán {p.place}",
                 f"Nơi ĐKHK thường trú {p.place}, {p.province}", "Dân tộc: Kinh  Tôn giáo: Không",
                 "Dấu vết riêng và dị hình: sẹo chấm cách 2cm trên đuôi mắt trái"],
        "NT03": ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "HỘ CHIẾU / PASSPORT", "Loại / Type: P   Mã số / Code: VNM",
                 f"Số hộ chiếu / Passport No.: C{rng.randint(1000000, 9999999)}",
                 f"Họ và tên / Full name: {p.name.upper()}", "Quốc tịch / Nationality: VIỆT NAM",
                 f"Ngày sinh / Date of birth: {p.dob}", f"Ngày cấp / Date of issue: {d1}",
                 f"Có giá trị đến / Date of expiry: {d2}", "Nơi cấp / Place of issue: Cục Quản lý xuất nhập cảnh"],
        "NT04": header([f"CÔNG AN TỈNH {p.province.upper()}", "CÔNG AN XÃ TIÊN KIÊN"]) + [
                 "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", f"Theo đề nghị của công dân {p.name}",
                 f"Số định danh cá nhân: {p.pid}", f"Nơi thường trú: {p.place}, tỉnh {p.province}",
                 f"Chủ hộ: {kin}, quan hệ với chủ hộ: con", "Thông tin này được xác nhận để công dân bổ túc hồ sơ",
                 "TRƯỞNG CÔNG AN XÃ"],
        "HT01": header([f"UBND XÃ {rng.choice(['TIÊN KIÊN', 'HƯƠNG XẠ', 'ĐỒNG LẠC'])}"]) + [
                 "GIẤY KHAI SINH", f"Họ, chữ đệm, tên: {p.name.upper()}", f"Ngày, tháng, năm sinh: {p.dob}",
                 f"Giới tính: {p.sex}   Dân tộc: Kinh   Quốc tịch: Việt Nam", f"Nơi sinh: Trạm y tế {p.place}",
                 f"Số định danh cá nhân: {p.pid}", f"Họ, chữ đệm, tên người mẹ: {kin}",
                 "Năm sinh: 1978   Dân tộc: Kinh", f"Nơi cư trú: {p.place}", "Người đi khai sinh: bố đẻ"],
        "HT02": header(["UBND XÃ TIÊN KIÊN"]) + [
                 "TRÍCH LỤC KHAI TỬ", f"Họ, chữ đệm, tên: {p.name.upper()}", f"Ngày, tháng, năm sinh: {p.dob}",
                 f"Số định danh cá nhân: {p.pid}", f"Đã chết vào lúc: 14 giờ 20 phút, ngày {d1}",
                 f"Nơi chết: tại nhà riêng, {p.place}", "Nguyên nhân chết: bệnh già",
                 f"Người đi khai tử: {kin}, quan hệ: con"],
        "HT03": header(["UBND XÃ HƯƠNG XẠ"]) + [
                 "GIẤY CHỨNG NHẬN KẾT HÔN", f"Họ, chữ đệm, tên vợ: {kin}", "Ngày sinh: 12/03/1995",
                 f"Họ, chữ đệm, tên chồng: {p.name}", f"Ngày sinh: {p.dob}", f"Nơi cư trú: {p.place}",
                 f"Ngày đăng ký: {d1}", "Vợ (ký, ghi rõ họ tên)      Chồng (ký, ghi rõ họ tên)"],
        "HT04": header(["ỦY BAN NHÂN DÂN XÃ ĐỒNG LẠC"]) + [
                 "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", f"Xét đề nghị của ông/bà {p.name}",
                 f"Ngày sinh: {p.dob}, số định danh cá nhân {p.pid}",
                 "Trong thời gian cư trú tại xã từ năm 2010 đến nay, hiện tại chưa đăng ký kết hôn với ai",
                 "Giấy này được cấp để làm thủ tục đăng ký kết hôn",
                 "Có giá trị sử dụng trong thời hạn 6 tháng kể từ ngày cấp"],
        "YT01": header(["SỞ Y TẾ " + p.province.upper(), hosp]) + [
                 "GIẤY RA VIỆN", f"Họ tên người bệnh: {p.name.upper()}   Tuổi: 45   {p.sex}",
                 f"Mã số BHXH/Thẻ BHYT số: HC4{p.si}", f"Địa chỉ: {p.place}",
                 f"Vào viện lúc: 9 giờ 15 phút, ngày {d1}", f"Ra viện lúc: 10 giờ, ngày {d2}",
                 f"Chẩn đoán: {diag}", "Phương pháp điều trị: nội khoa, kháng sinh", "Ghi chú: tái khám sau 1 tuần",
                 "TRƯỞNG KHOA"],
        "YT02": [hosp, "GIẤY CHỨNG NHẬN NGHỈ VIỆC HƯỞNG BẢO HIỂM XÃ HỘI", "Liên số 2", f"Họ và tên: {p.name}",
                 f"Ngày sinh: {p.dob}", f"Mã số BHXH: {p.si}", f"Đơn vị làm việc: {company}",
                 f"Chẩn đoán và phương pháp điều trị: {diag}", f"Số ngày cho nghỉ: 05 ngày (từ ngày {d1})",
                 "XÁC NHẬN CỦA PHỤ TRÁCH ĐƠN VỊ         Y, BÁC SĨ KCB"],
        "YT03": header([hosp]) + [
                 "GIẤY CHỨNG SINH", f"Họ và tên mẹ: {p.name}", f"Năm sinh: {p.dob[-4:]}",
                 f"Số CCCD: {p.pid}", f"Nơi đăng ký thường trú: {p.place}",
                 f"Đã sinh con vào lúc: 03 giờ 40 phút, ngày {d1}", "Số con trong lần sinh này: 01",
                 f"Giới tính của con: {p.sex}   Cân nặng: 3200 gram", f"Người đỡ đẻ: BS. {kin}"],
        "YT04": header([hosp]) + [
                 "GIẤY BÁO TỬ", f"Họ và tên người chết: {p.name}", f"Ngày sinh: {p.dob}",
                 f"Số định danh cá nhân: {p.pid}", f"Đã chết vào lúc: 22 giờ 10 phút, ngày {d1}",
                 f"Tại: {hosp}", f"Nguyên nhân chết: {diag}", "THỦ TRƯỞNG ĐƠN VỊ"],
        "YT05": header(["SỞ Y TẾ " + p.province.upper(), "HỘI ĐỒNG GIÁM ĐỊNH Y KHOA"]) + [
                 "BIÊN BẢN GIÁM ĐỊNH Y KHOA", f"Hội đồng giám định y khoa tỉnh {p.province} họp ngày {d1}",
                 f"Khám giám định cho ông/bà: {p.name}, sinh ngày {p.dob}",
                 "Đối tượng giám định: người lao động khám lần đầu", f"Kết quả khám: di chứng {diag.lower()}",
                 f"Kết luận: tỷ lệ tổn thương cơ thể {rng.randint(21, 81)}%", "CHỦ TỊCH HỘI ĐỒNG"],
        "YT06": header([hosp]) + [
                 "TÓM TẮT HỒ SƠ BỆNH ÁN", f"Họ và tên người bệnh: {p.name}   Ngày sinh: {p.dob}",
                 f"Vào viện ngày {d1}, ra viện ngày {d2}", f"Chẩn đoán: {diag}",
                 "Quá trình bệnh lý và diễn biến lâm sàng: sốt cao, ho nhiều, khó thở",
                 "Tóm tắt kết quả xét nghiệm cận lâm sàng: bạch cầu tăng, X-quang mờ đáy phổi",
                 "Tình trạng người bệnh ra viện: ổn định", "BÁC SĨ ĐIỀU TRỊ"],
        "YT07": header(["SỞ Y TẾ " + p.province.upper(), "TRUNG TÂM Y TẾ HUYỆN LÂM THAO"]) + [
                 "GIẤY CHUYỂN TUYẾN KHÁM BỆNH, CHỮA BỆNH BẢO HIỂM Y TẾ", f"Kính gửi: {hosp}",
                 f"Trân trọng giới thiệu người bệnh: {p.name}   Giới tính: {p.sex}",
                 f"Thẻ bảo hiểm y tế số: GD4{p.si}   hạn sử dụng đến {d2}", f"Chẩn đoán: {diag}",
                 "Lý do chuyển tuyến: vượt quá khả năng chuyên môn", "Phương tiện vận chuyển: xe cứu thương",
                 "Người hộ tống: điều dưỡng"],
        "YT08": [hosp, "Mẫu số 01/KBCB", "BẢNG KÊ CHI PHÍ KHÁM BỆNH, CHỮA BỆNH NỘI TRÚ",
                 f"Họ tên người bệnh: {p.name}   Mã thẻ BHYT: DN4{p.si}", f"Từ ngày {d1} đến ngày {d2}",
                 "Nội dung          Số lượng    Đơn giá     Thành tiền", "1. Ngày giường nội khoa   5   250.000   1.250.000",
                 "2. Xét nghiệm máu   3   90.000   270.000", "3. Thuốc, dịch truyền   12   45.000   540.000",
                 f"Tổng cộng: {money}", "Quỹ BHYT thanh toán: 80%     Người bệnh cùng chi trả: 20%"],
        "YT09": ["HÓA ĐƠN GIÁ TRỊ GIA TĂNG", f"Ký hiệu: 1C24TBV   Số: {rng.randint(100, 99999)}",
                 f"Đơn vị bán hàng: {hosp}", f"Mã số thuế: 26{rng.randint(10000000, 99999999)}",
                 f"Họ tên người mua hàng: {p.name}", "Hình thức thanh toán: Tiền mặt",
                 "STT   Tên hàng hóa, dịch vụ   Đơn vị tính   Số lượng   Thành tiền",
                 "1   Viện phí điều trị nội trú   lần   1", f"Tổng tiền thanh toán: {money}",
                 "Số tiền viết bằng chữ: một triệu hai trăm nghìn đồng"],
        "YT10": header([hosp]) + [
                 "GIẤY CHỨNG NHẬN PHẪU THUẬT", f"Chứng nhận người bệnh: {p.name}, {p.sex}, sinh năm {p.dob[-4:]}",
                 f"Vào viện ngày: {d1}", f"Đã được phẫu thuật lúc 15 giờ ngày {d2}",
                 f"Chẩn đoán trước phẫu thuật: {diag}", f"Chẩn đoán sau phẫu thuật: {diag}",
                 "Phương pháp phẫu thuật: mổ nội soi", "Phương pháp vô cảm: gây mê nội khí quản",
                 f"Phẫu thuật viên: BS. {kin}"],
        "BH01": ["Mẫu TK1-TS", "TỜ KHAI", "THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ",
                 "I. Áp dụng đối với người chưa được cấp mã số BHXH", f"[01]. Họ và tên: {p.name.upper()}",
                 f"[02]. Ngày tháng năm sinh: {p.dob}   [03]. Giới tính: {p.sex}", f"[04]. Số CCCD: {p.pid}",
                 f"[05]. Địa chỉ nhận kết quả: {p.place}", "[06]. Mức tiền đóng: 1.500.000 đồng",
                 "[07]. Phương thức đóng: 03 tháng", "Tôi cam đoan những nội dung kê khai là đúng"],
        "BH02": ["BẢO HIỂM XÃ HỘI VIỆT NAM", "SỔ BẢO HIỂM XÃ HỘI", f"Số: {p.si}", f"Họ và tên: {p.name.upper()}",
                 f"Ngày tháng năm sinh: {p.dob}   Giới tính: {p.sex}", f"Số CCCD: {p.pid}",
                 "QUÁ TRÌNH ĐÓNG BẢO HIỂM XÃ HỘI BẮT BUỘC", "Từ tháng năm   Đến tháng năm   Diễn giải   Căn cứ đóng",
                 f"01/2015   12/2019   Công nhân, {company}   4.500.000",
                 "Tổng thời gian đóng: 05 năm 00 tháng"],
        "BH03": ["BẢO HIỂM XÃ HỘI VIỆT NAM", "THẺ BẢO HIỂM Y TẾ", f"Mã số: GD4{p.si}",
                 f"Họ và tên: {p.name.upper()}", f"Ngày sinh: {p.dob}   Giới tính: {p.sex}",
                 f"Địa chỉ: {p.place}", f"Nơi ĐKKCB ban đầu: {hosp.title()}",
                 f"Giá trị sử dụng: từ ngày {d1} đến ngày {d2}", "Thời điểm đủ 5 năm liên tục: 01/01/2027"],
        "BH04": header([]) + [
                 "Mẫu số 14-HSB", "ĐƠN ĐỀ NGHỊ HƯỞNG BẢO HIỂM XÃ HỘI MỘT LẦN",
                 "Kính gửi: Bảo hiểm xã hội huyện Lâm Thao", f"Tên tôi là: {p.name}, mã số BHXH {p.si}",
                 f"Ngày sinh: {p.dob}, số CCCD {p.pid}", f"Địa chỉ liên hệ: {p.place}",
                 "Tôi đã nghỉ việc đủ 12 tháng, không tiếp tục đóng BHXH và chưa đủ 20 năm đóng",
                 "Đề nghị được nhận trợ cấp qua tài khoản cá nhân số 102 8765 4321 tại Vietinbank",
                 "Tôi xin cam đoan những nội dung trên là đúng sự thật"],
        "BH05": header([]) + [
                 "Mẫu số 09-HSB", "TỜ KHAI CỦA THÂN NHÂN", f"Họ và tên người chết: {p.name}, mã số BHXH {p.si}",
                 f"Chết ngày {d1}", f"Người khai: {kin}, quan hệ với người chết: con",
                 "Danh sách thân nhân: vợ 68 tuổi, không có thu nhập", "Đề nghị hưởng trợ cấp tuất hằng tháng",
                 "XÁC NHẬN CỦA UBND CẤP XÃ"],
        "BH06": header([]) + [
                 "GIẤY ỦY QUYỀN", f"Người ủy quyền: {p.name}, sinh ngày {p.dob}, CCCD {p.pid}",
                 f"Người được ủy quyền: {kin}", "Nội dung ủy quyền: làm thủ tục và nhận thay lương hưu hằng tháng",
                 f"Thời hạn ủy quyền: từ ngày {d1} đến ngày {d2}", "Chứng thực chữ ký của người ủy quyền"],
        "BH07": [company, f"Mã đơn vị: TA{rng.randint(1000, 9999)}", "Mẫu 01B-HSB",
                 "DANH SÁCH ĐỀ NGHỊ GIẢI QUYẾT HƯỞNG CHẾ ĐỘ ỐM ĐAU, THAI SẢN, DƯỠNG SỨC PHỤC HỒI SỨC KHỎE",
                 "Đợt 03 tháng 05 năm 2024", "A. DANH SÁCH ĐỀ NGHỊ HƯỞNG CHẾ ĐỘ MỚI PHÁT SINH",
                 "STT   Họ và tên   Mã số BHXH   Số ngày nghỉ   Tài khoản",
                 f"1   {p.name}   {p.si}   05   Vietcombank", f"2   {kin}   {rng.randint(10**9, 10**10 - 1)}   03",
                 "THỦ TRƯỞNG ĐƠN VỊ"],
        "BH08": [company, "Mẫu D02-LT",
                 "BÁO CÁO TÌNH HÌNH SỬ DỤNG LAO ĐỘNG VÀ DANH SÁCH NGƯỜI LAO ĐỘNG THAM GIA BHXH, BHYT, BHTN",
                 f"Tên đơn vị: {company}   Mã đơn vị: TB{rng.randint(1000, 9999)}", "I. TĂNG",
                 f"1   {p.name}   {p.si}   Công nhân may   5.200.000   01/2024", "II. GIẢM",
                 f"1   {kin}   nghỉ việc từ tháng 03/2024", "NGƯỜI LẬP BIỂU        THỦ TRƯỞNG ĐƠN VỊ"],
        "BH09": header([f"BẢO HIỂM XÃ HỘI TỈNH {p.province.upper()}", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"]) + [
                 "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: BHXH-240512-{rng.randint(1, 999):04d}",
                 f"Tiếp nhận hồ sơ của: {p.name}", "Nội dung yêu cầu giải quyết: cấp lại sổ BHXH",
                 "Thành phần hồ sơ: tờ khai TK1-TS 01 bản", f"Thời gian nhận hồ sơ: 9 giờ ngày {d1}",
                 f"Ngày hẹn trả kết quả: {d2}", "NGƯỜI NỘP HỒ SƠ        NGƯỜI NHẬN HỒ SƠ"],
        "BH10": header([]) + [
                 "ĐƠN ĐỀ NGHỊ HƯỞNG LƯƠNG HƯU", f"Kính gửi: Bảo hiểm xã hội tỉnh {p.province}",
                 f"Tên tôi là: {p.name}, sinh ngày {p.dob}", f"Mã số BHXH: {p.si}",
                 "Tôi đã có 26 năm tham gia BHXH, nay đủ tuổi nghỉ hưu",
                 f"Nơi cư trú sau khi nghỉ hưu: {p.place}", "Nhận lương hưu qua tài khoản cá nhân",
                 "Tôi xin cam đoan"],
        "BH11": [f"BẢO HIỂM XÃ HỘI TỈNH {p.province.upper()}", "Mẫu C12-TS",
                 "THÔNG BÁO KẾT QUẢ ĐÓNG BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ, BẢO HIỂM THẤT NGHIỆP",
                 f"Tháng 04 năm 2024   Kính gửi: {company}", f"Số phải đóng kỳ này: {money}",
                 "Số đã nộp trong kỳ: 41.200.000 đồng", "Lãi chậm đóng: 0 đồng", "Chuyển kỳ sau: số còn thiếu 0 đồng",
                 "Đề nghị đơn vị đối chiếu"],
        "BH12": ["Mẫu TK3-TS",
                 "TỜ KHAI ĐƠN VỊ THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ",
                 f"[01]. Tên đơn vị: {company}", f"[02]. Mã số thuế: 26{rng.randint(10000000, 99999999)}",
                 f"[03]. Địa chỉ: {p.place}", "[04]. Loại hình: công ty trách nhiệm hữu hạn",
                 "[05]. Ngành nghề kinh doanh: may mặc", "[06]. Phương thức đóng: hằng tháng",
                 f"Người liên hệ: {p.name}", "THỦ TRƯỞNG ĐƠN VỊ"],
        "LD01": header([company]) + [
                 "HỢP ĐỒNG LAO ĐỘNG", f"Số: {rng.randint(1, 300)}/2023/HĐLĐ", f"Bên A (người sử dụng lao động): {company}",
                 f"Bên B (người lao động): {p.name}, sinh ngày {p.dob}", "Loại hợp đồng: xác định thời hạn 24 tháng",
                 f"Từ ngày {d1}", "Điều 1. Công việc: công nhân vận hành máy", "Điều 2. Mức lương: 6.200.000 đồng/tháng",
                 "Điều 3. Bảo hiểm xã hội, bảo hiểm y tế theo quy định"],
        "LD02": header([company]) + [
                 f"Số: {rng.randint(1, 300)}/QĐ-CT", "QUYẾT ĐỊNH", "Về việc chấm dứt hợp đồng lao động",
                 "GIÁM ĐỐC CÔNG TY", "Căn cứ Bộ luật Lao động năm 2019",
                 f"Điều 1. Chấm dứt hợp đồng lao động với ông/bà {p.name} kể từ ngày {d1}",
                 "Điều 2. Người lao động bàn giao công việc, được thanh toán trợ cấp thôi việc",
                 "Điều 3. Phòng Nhân sự thi hành quyết định này"],
        "LD03": header([f"SỞ GIÁO DỤC VÀ ĐÀO TẠO {p.province.upper()}"]) + [
                 f"Số: {rng.randint(1, 900)}/QĐ-SGDĐT", "QUYẾT ĐỊNH", "Về việc nghỉ hưu để hưởng chế độ bảo hiểm xã hội",
                 "GIÁM ĐỐC SỞ", f"Điều 1. Cho ông/bà {p.name}, sinh ngày {p.dob}, được nghỉ hưu kể từ ngày {d1}",
                 "Điều 2. Ông/bà được hưởng chế độ hưu trí theo quy định",
                 "Điều 3. Thủ trưởng cơ quan và ông/bà có tên trên thi hành"],
        "LD04": header([company]) + [
                 "BIÊN BẢN ĐIỀU TRA TAI NẠN LAO ĐỘNG", f"Thành phần đoàn điều tra: {kin}, trưởng đoàn",
                 f"Người bị nạn: {p.name}, sinh ngày {p.dob}", f"Thời gian xảy ra tai nạn: 10 giờ ngày {d1}",
                 "Diễn biến vụ tai nạn: bị cuốn tay vào máy cán", "Nguyên nhân gây ra tai nạn: không tuân thủ quy trình",
                 "Kết luận về vụ tai nạn: tai nạn lao động", "Biện pháp ngăn ngừa: huấn luyện lại an toàn"],
        "LD05": header([]) + [
                 "ĐỀ NGHỊ HƯỞNG TRỢ CẤP THẤT NGHIỆP", f"Kính gửi: Trung tâm Dịch vụ việc làm tỉnh {p.province}",
                 f"Tên tôi là: {p.name}, sinh ngày {p.dob}", f"Số CCCD: {p.pid}, mã số BHXH {p.si}",
                 f"Ngày chấm dứt hợp đồng lao động: {d1}", "Số tháng đóng bảo hiểm thất nghiệp: 36 tháng",
                 "Nơi nhận trợ cấp thất nghiệp: Bảo hiểm xã hội huyện Lâm Thao", "Tôi cam đoan nội dung trên là đúng"],
        "LD06": header([]) + [
                 "THÔNG BÁO VỀ VIỆC TÌM KIẾM VIỆC LÀM", f"Kính gửi: Trung tâm Dịch vụ việc làm tỉnh {p.province}",
                 f"Tên tôi là: {p.name}, đang hưởng trợ cấp thất nghiệp tháng thứ 2",
                 "Tình hình tìm kiếm việc làm của tôi như sau:", f"Đơn vị thứ nhất: {company}, vị trí dự tuyển: kế toán",
                 "Kết quả: chưa được tuyển", "Tình trạng việc làm hiện nay: chưa có việc làm"],
        "CS01": header(["UBND HUYỆN LÂM THAO", "UBND XÃ TIÊN KIÊN"]) + [
                 "GIẤY CHỨNG NHẬN HỘ NGHÈO", f"Chủ hộ: {p.name}", f"Nơi cư trú: {p.place}",
                 "Là hộ nghèo theo chuẩn nghèo đa chiều giai đoạn 2022-2025",
                 f"Thành viên trong hộ: {kin}, con", f"Có giá trị đến ngày {d2}", "CHỦ TỊCH"],
        "CS02": [f"SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI {p.province.upper()}", "GIẤY CHỨNG NHẬN THƯƠNG BINH",
                 f"Họ và tên: {p.name}", f"Năm sinh: {p.dob[-4:]}   Nguyên quán: {p.place}",
                 "Cơ quan, đơn vị khi bị thương: Trung đoàn 141", "Ngày bị thương: 17/02/1979",
                 "Nơi bị thương: Lạng Sơn", "Tỷ lệ suy giảm khả năng lao động: 41%", "GIÁM ĐỐC SỞ"],
        "CS03": header(["ỦY BAN NHÂN DÂN XÃ HƯƠNG XẠ"]) + [
                 "GIẤY XÁC NHẬN KHUYẾT TẬT", f"Chủ tịch UBND xã xác nhận ông/bà: {p.name}",
                 f"Ngày sinh: {p.dob}   Giới tính: {p.sex}", f"Nơi thường trú: {p.place}",
                 "Dạng khuyết tật: khuyết tật vận động", "Mức độ khuyết tật: khuyết tật nặng", "CHỦ TỊCH"],
        "KQ01": decision(p, rng, "Về việc hưởng lương hưu hằng tháng", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH", [
            f"Điều 1. Ông/bà {p.name}, mã số BHXH {p.si}, được hưởng lương hưu hằng tháng từ ngày {d1}",
            "Tổng thời gian đóng bảo hiểm xã hội: 31 năm 04 tháng",
            "Tỷ lệ hưởng lương hưu: 72,5%", f"Mức lương hưu hằng tháng: {money}",
            "Điều 2. Trưởng phòng Chế độ BHXH và ông/bà có tên trên thi hành"]),
        "KQ02": decision(p, rng, "Về việc hưởng trợ cấp bảo hiểm xã hội một lần", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI HUYỆN", [
            f"Điều 1. Ông/bà {p.name}, mã số BHXH {p.si}, được hưởng trợ cấp BHXH một lần",
            "Thời gian đóng bảo hiểm xã hội: 08 năm 06 tháng", f"Số tiền được hưởng: {money}",
            "Lý do hưởng: nghỉ việc sau một năm không tiếp tục đóng",
            "Điều 2. Các bộ phận liên quan và ông/bà có tên trên thi hành"]),
        "KQ03": decision(p, rng, "Về việc hưởng trợ cấp tuất hằng tháng", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH", [
            f"Điều 1. Thân nhân của ông {p.name} (chết ngày {d1}) được hưởng trợ cấp tuất hằng tháng",
            f"Thân nhân được hưởng: {kin}, vợ", "Mức trợ cấp tuất hằng tháng: 1.080.000 đồng, kể từ tháng 06/2024",
            "Trợ cấp mai táng: 18.000.000 đồng", "Điều 2. Phòng Chế độ BHXH thi hành"]),
        "KQ04": decision(p, rng, "Về việc hưởng trợ cấp tuất một lần", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI HUYỆN", [
            f"Điều 1. Thân nhân của ông/bà {p.name}, chết ngày {d1}, được hưởng trợ cấp tuất một lần",
            f"Người nhận trợ cấp: {kin}", f"Mức trợ cấp tuất một lần: {money}",
            "Trợ cấp mai táng: 18.000.000 đồng", "Điều 2. Bộ phận Chế độ BHXH thi hành"]),
        "KQ05": [f"BẢO HIỂM XÃ HỘI TỈNH {p.province.upper()}", "Mẫu C70a-HD",
                 "DANH SÁCH GIẢI QUYẾT HƯỞNG CHẾ ĐỘ ỐM ĐAU, THAI SẢN, DƯỠNG SỨC PHỤC HỒI SỨC KHỎE",
                 "Đợt 05 tháng 05 năm 2024", f"Tên đơn vị: {company}",
                 "STT   Họ và tên   Mã số BHXH   Số ngày được hưởng   Số tiền được hưởng",
                 f"1   {p.name}   {p.si}   05   1.250.000", f"Tổng số người: 01   Tổng số tiền: {money}",
                 "NGƯỜI LẬP BIỂU   TRƯỞNG PHÒNG CHẾ ĐỘ BHXH   GIÁM ĐỐC"],
        "KQ06": decision(p, rng, "Về việc hưởng trợ cấp thất nghiệp", "GIÁM ĐỐC SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", [
            f"Điều 1. Ông/bà {p.name}, số CCCD {p.pid}, được hưởng trợ cấp thất nghiệp",
            "Số tháng đóng bảo hiểm thất nghiệp: 48 tháng; số tháng được hưởng: 04 tháng",
            f"Mức hưởng trợ cấp thất nghiệp hằng tháng: {money}",
            "Nơi nhận trợ cấp: Bảo hiểm xã hội huyện Lâm Thao",
            "Điều 2. Hằng tháng ông/bà phải thông báo về việc tìm kiếm việc làm"],
            agency=[f"UBND TỈNH {p.province.upper()}", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]),
        "KQ07": decision(p, rng, "Về việc hưởng trợ cấp tai nạn lao động", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH", [
            f"Điều 1. Ông/bà {p.name} bị tai nạn lao động ngày {d1}",
            "Mức suy giảm khả năng lao động: 35%", "Được hưởng trợ cấp hằng tháng kể từ tháng 07/2024",
            f"Mức trợ cấp: {money}", "Điều 2. Phòng Chế độ BHXH thi hành"]),
        "KQ08": decision(p, rng, "Về việc điều chỉnh mức hưởng lương hưu", "GIÁM ĐỐC BẢO HIỂM XÃ HỘI TỈNH", [
            f"Điều 1. Điều chỉnh mức hưởng lương hưu hằng tháng của ông/bà {p.name}",
            "Mức hưởng trước điều chỉnh: 4.200.000 đồng", "Mức hưởng sau điều chỉnh: 4.650.000 đồng",
            "Lý do điều chỉnh: bổ sung thời gian công tác", "Số tiền truy lĩnh: 2.700.000 đồng",
            "Điều 2. Phòng Chế độ BHXH thi hành"]),
        "KQ09": header(bhxh_agency(p, rng)) + [
                 f"Số: {rng.randint(10, 999)}/BHXH-CĐ", "V/v trả lời hồ sơ đề nghị hưởng chế độ",
                 f"Kính gửi: Ông/Bà {p.name}", f"Bảo hiểm xã hội đã nhận hồ sơ của ông/bà ngày {d1}",
                 "Qua xem xét, hồ sơ không đủ điều kiện giải quyết vì chưa đủ thời gian đóng",
                 "Đề nghị ông/bà bổ sung giấy tờ còn thiếu", "Bảo hiểm xã hội trả lại hồ sơ và thông báo để ông/bà biết",
                 "Nơi nhận: Như trên; Lưu VT"],
        "KQ10": header(bhxh_agency(p, rng)) + [
                 "GIẤY XÁC NHẬN THỜI GIAN ĐÓNG BẢO HIỂM XÃ HỘI", f"Bảo hiểm xã hội xác nhận: ông/bà {p.name}",
                 f"Mã số BHXH: {p.si}   Ngày sinh: {p.dob}", "Có quá trình tham gia BHXH bắt buộc như sau:",
                 f"Từ 01/2016 đến 12/2023 tại {company}", "Tổng thời gian đóng tính đến tháng 12/2023: 08 năm",
                 "Giấy xác nhận cấp để bổ sung hồ sơ"],
        "KQ11": header(bhxh_agency(p, rng)) + [
                 f"Số: {rng.randint(10, 999)}/TB-BHXH",
                 "THÔNG BÁO VỀ VIỆC THANH TOÁN TRỰC TIẾP CHI PHÍ KHÁM BỆNH, CHỮA BỆNH BẢO HIỂM Y TẾ",
                 f"Kính gửi: Ông/Bà {p.name}", f"Thẻ BHYT số: GD4{p.si}", f"Thời gian điều trị: từ {d1} đến {d2}",
                 f"Tổng chi phí đề nghị: {money}", "Số tiền được quỹ BHYT thanh toán: 2.150.000 đồng",
                 "Số tiền không thanh toán: 350.000 đồng, lý do: ngoài phạm vi hưởng"],
    }


def untitled(code: str, lines: list[str], catalog) -> list[str]:
    """The paper without the line(s) carrying one of its catalog titles: only its body remains."""
    from rapidfuzz import fuzz

    from catalog.vntext import fold_words

    titles = [fold_words(t) for t in catalog.document_types[code]["titles"]]
    return [line for line in lines
            if not any(fuzz.partial_ratio(fold_words(line), t) >= 90 for t in titles if len(fold_words(line)) > 3)]


def scan(page: Image.Image, rng: random.Random, variant: str) -> bytes:
    if variant == "clean":
        return encode(page, "PNG")
    page = skewed(page, rng.uniform(-2.0, 2.0))
    page = noisy(page, seed=rng.randint(0, 10**6), blur=rng.uniform(0.6, 1.1), speckle=rng.uniform(0.001, 0.003))
    return encode(page.convert("L"), "JPEG", quality=rng.randint(35, 60))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-type", type=int, default=3, help="papers per type (1 clean, the rest noisy)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=250)
    parser.add_argument("--untitled", action="store_true",
                        help="also score one noisy paper per type with its title line removed (reported apart)")
    args = parser.parse_args()

    from catalog import catalogs, classifier
    from ocr import PagePool, digitize

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="classify-eval-") as tmp:
        db = catalogs.open_database(f"sqlite:///{tmp}/catalog.sqlite3")
        with db.session() as s:
            catalog = catalogs.active_catalog(s)
        started = time.monotonic()
        model = classifier.train(catalog)
        train_s = time.monotonic() - started

        cases = []
        for i in range(args.per_type + (1 if args.untitled else 0)):
            for code, lines in t(Person(rng), rng).items():
                variant = "clean" if i == 0 else "noisy"
                if i == args.per_type:  # the extra round: noisy scans whose title line is cut off
                    variant, lines = "untitled", untitled(code, lines, catalog)
                page = render_lines(lines, dpi=args.dpi, font_pt=rng.choice((11, 12, 13)))
                path = Path(tmp) / f"{code}-{i}.{'png' if variant == 'clean' else 'jpg'}"
                path.write_bytes(scan(page, rng, variant))
                cases.append((code, variant, path))
        missing = set(catalog.document_types) - {c for c, _, _ in cases}
        if missing:
            print(f"warning: no template for {sorted(missing)}", file=sys.stderr)

        ocr_started = time.monotonic()
        with PagePool(args.workers, lang="vie", dpi=300, max_image_pixels=120_000_000) as pool:
            def run(case):
                code, variant, path = case
                media = "image/png" if path.suffix == ".png" else "image/jpeg"
                result = digitize(path, media, path.with_suffix(".pdf"), pool)
                return code, variant, [p.text for p in result.pages]

            with ThreadPoolExecutor(args.workers) as ex:
                ocred = list(ex.map(run, cases))
        ocr_s = time.monotonic() - ocr_started

        confusions: Counter[tuple[str, str, str]] = Counter()
        stats = Counter()
        for code, variant, pages in ocred:
            proposal = classifier.combine(catalog, classifier.classification_text(pages), model, None)
            got = proposal.best.code if proposal.best else "-"
            top3 = [got, *[a.code for a in proposal.alternatives[:2]]]
            stats["n"] += 1
            stats[f"n_{variant}"] += 1
            stats["top3"] += code in top3
            if got == code:
                stats["ok"] += 1
                stats[f"ok_{variant}"] += 1
            else:
                confusions[(code, got, variant)] += 1
            text = classifier.classification_text(pages)
            rules_only = classifier.combine(catalog, text, None, None).best
            stats[f"rules_{variant}"] += rules_only is not None and rules_only.code == code
            probs = model.probabilities(text)
            stats[f"model_{variant}"] += max(probs, key=probs.get) == code
            if proposal.needs_review:
                stats["review"] += 1
            else:
                stats["auto"] += 1
                stats["auto_ok"] += got == code

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f} %" if b else "n/a"

    print(f"catalog {catalog.label}: {len(catalog.document_types)} document types; "
          f"{stats['n']} papers ({stats['n_clean']} clean, {stats['n_noisy']} noisy, "
          f"{stats['n_untitled']} noisy without title)")
    print(f"model trained from the catalog alone in {train_s:.1f} s; OCR {ocr_s:.0f} s")
    titled, titled_ok = stats["n_clean"] + stats["n_noisy"], stats["ok_clean"] + stats["ok_noisy"]
    print(f"top-1 accuracy: {pct(titled_ok, titled)}  (clean {pct(stats['ok_clean'], stats['n_clean'])}, "
          f"noisy {pct(stats['ok_noisy'], stats['n_noisy'])})")
    if stats["n_untitled"]:
        print(f"top-1 accuracy with the title line cut off (body only, noisy): "
              f"{pct(stats['ok_untitled'], stats['n_untitled'])}")
    print(f"top-3 accuracy (all): {pct(stats['top3'], stats['n'])}")
    for part in ("rules", "model"):
        print(f"  {part} alone: titled {pct(stats[f'{part}_clean'] + stats[f'{part}_noisy'], titled)}"
              + (f", untitled {pct(stats[f'{part}_untitled'], stats['n_untitled'])}" if stats["n_untitled"] else ""))
    print(f"flagged for review: {stats['review']}; accuracy of unflagged proposals: "
          f"{pct(stats['auto_ok'], stats['auto'])} of {stats['auto']}")
    if confusions:
        print("confusions (expected -> proposed: count):")
        for (want, got, variant), n in confusions.most_common():
            print(f"  {want} -> {got} ({variant}): {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
