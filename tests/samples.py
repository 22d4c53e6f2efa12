"""Small files for intake tests: good scans and every kind of bad input a counter meets."""
from __future__ import annotations

import io

import img2pdf
import pikepdf
from PIL import Image

from tests.render import ADMIN_LINES, encode, render_lines


def png_page(lines=ADMIN_LINES, **kw) -> bytes:
    return encode(render_lines(lines, **kw), "PNG")


def jpeg_page(lines=ADMIN_LINES) -> bytes:
    return encode(render_lines(lines).convert("RGB"), "JPEG", quality=90)


def tiff_pages(pages: list[list[str]]) -> bytes:
    images = [render_lines(lines) for lines in pages]
    buf = io.BytesIO()
    images[0].save(buf, "TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate",
                   dpi=(300, 300))
    return buf.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    return img2pdf.convert([encode(render_lines(lines), "PNG") for lines in pages])


def blank_pdf(n_pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(n_pages):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(scanned_pdf([["Mật khẩu"]])))
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="chu", user="nguoidung"))
    return buf.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nthis is not a pdf\n%%EOF"


def truncated_pdf() -> bytes:
    data = scanned_pdf([["Tờ khai"], ["Trang hai"]])
    return data[: len(data) // 3]


def bomb_png() -> bytes:
    """400 megapixels that compress to a few kilobytes."""
    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(buf, "PNG")
    return buf.getvalue()


def corrupt_png() -> bytes:
    data = png_page()
    return data[:60] + b"\x00" * 200 + data[260:]
