"""Photos with a report: at most three images of JPEG, PNG or WebP, checked by their content, each
within COMPLAINT_PHOTO_MAX_BYTES, a decompression bomb refused, and stored re-encoded without any
metadata (the GPS position above all). Every refusal names the file."""

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from registry.complaints import captcha, photos
from registry.complaints.models import Complaint
from registry.core.errors import DomainError
from registry.extensions import db
from tests.complaints.public_helpers import step1, submit, text


def jpeg_with_gps(orientation: int | None = None, size=(64, 32)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (24.0, 52.0, 30.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (102.0, 49.0, 59.0)
    if orientation:
        exif[0x0112] = orientation
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size=(20, 10), mode="RGB") -> bytes:
    out = BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims a huge image (IHDR rewritten, CRC fixed)."""
    data = bytearray(png())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def test_gps_and_all_exif_are_stripped_and_the_photo_turned_upright(app):
    original = jpeg_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    assert b"TestCam" in original and Image.open(BytesIO(original)).getexif().get_ifd(0x8825)
    with app.app_context():
        [cleaned] = photos.clean([("现场.jpg", original)])
    assert cleaned.content_type == "image/jpeg" and cleaned.filename == "photo-1.jpg"
    assert b"Exif" not in cleaned.data and b"TestCam" not in cleaned.data
    stored = Image.open(BytesIO(cleaned.data))
    assert stored.format == "JPEG" and not stored.getexif() and "exif" not in stored.info
    assert stored.size == (32, 64)  # the orientation applied, then dropped


def test_png_and_webp_are_kept_in_their_format(app):
    webp = BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(webp, format="WEBP", exif=b"Exif\x00\x00secret")
    with app.app_context():
        a, b = photos.clean([("a.png", png()), ("b.webp", webp.getvalue())])
    assert a.content_type == "image/png" and b.content_type == "image/webp"
    assert b"secret" not in b.data and Image.open(BytesIO(b.data)).format == "WEBP"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("说明.jpg", b"This is only text, named as a photo.\n" * 20, "“说明.jpg”不是 JPEG、PNG 或 WebP 格式的图片。"),
        (
            "文件.png",
            b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "“文件.png”不是 JPEG、PNG 或 WebP 格式的图片。",
        ),
        (
            "图.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "“图.jpg”不是 JPEG、PNG 或 WebP 格式的图片。",
        ),
        ("动图.png", None, "“动图.png”不是 JPEG、PNG 或 WebP 格式的图片。"),
        ("炸弹.png", png_claiming(40000, 40000), "“炸弹.png”的像素过多，无法处理，请缩小后再上传。"),
        ("坏.jpg", jpeg_with_gps()[:200], "“坏.jpg”已损坏，无法读取。"),
    ],
)
def test_anything_but_a_whole_image_is_refused_naming_the_file(app, name, data, message):
    if data is None:
        gif = BytesIO()
        Image.new("RGB", (5, 5)).save(gif, format="GIF")
        data = gif.getvalue()
    with app.app_context(), pytest.raises(DomainError) as refused:
        photos.clean([(name, data)])
    assert str(refused.value) == message and refused.value.field == "photos"


def test_too_big_and_too_many_are_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_PHOTO_MAX_BYTES", 1024 * 1024)
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            photos.clean([("大.jpg", b"\xff\xd8" + b"0" * (1024 * 1024))])
        assert str(refused.value) == "“大.jpg”超过 1 MB，请压缩后再上传。"
        with pytest.raises(DomainError) as refused:
            photos.clean([(f"{n}.png", png()) for n in range(4)])
        assert str(refused.value) == "最多上传 3 张照片，您选择了 4 张。"


def test_every_bad_file_is_named_at_once(app):
    with app.app_context(), pytest.raises(DomainError) as refused:
        photos.clean([("一.png", png()), ("二.jpg", b"text"), ("三.jpg", b"more text")])
    assert [str(e) for e in refused.value.errors] == [
        "“二.jpg”不是 JPEG、PNG 或 WebP 格式的图片。",
        "“三.jpg”不是 JPEG、PNG 或 WebP 格式的图片。",
    ]


def test_the_form_stores_the_photos_stripped_and_refuses_a_fourth(client, demo):
    _, data = step1(client)
    refused = submit(client, data, files=[(BytesIO(png()), f"{n}.png") for n in range(4)])
    page = text(refused)
    assert refused.status_code == 400 and "最多上传 3 张照片，您选择了 4 张。" in page
    assert "请重新选择" in page  # the browser keeps no chosen file: the person is told
    assert data["description"] in page
    done = submit(client, data, files=[(BytesIO(jpeg_with_gps()), "gps.jpg"), (BytesIO(png()), "b.png")])
    assert done.status_code == 303
    made = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert [(f.kind, f.content_type, f.publishable) for f in made.files] == [
        ("photo", "image/jpeg", False),
        ("photo", "image/png", False),
    ]
    stored = made.files[0].data
    assert b"Exif" not in stored and b"TestCam" not in stored and not Image.open(BytesIO(stored)).getexif()
    assert made.files[0].size == len(stored)


def test_a_renamed_file_is_refused_on_the_form_naming_it(client, demo):
    _, data = step1(client)
    refused = submit(client, data, files=[(BytesIO(b"%PDF-1.4 fake"), "照片.jpg")])
    assert refused.status_code == 400 and "“照片.jpg”不是 JPEG、PNG 或 WebP 格式的图片。" in text(refused)


def test_a_huge_image_is_refused_by_its_header_before_anything_is_decoded(app):
    out = BytesIO()
    Image.new("1", (7700, 7700)).save(out, format="PNG")  # 59 megapixels in a few kilobytes
    for data in (out.getvalue(), png_claiming(7700, 7700)):  # the second could not even be decoded
        with app.app_context(), pytest.raises(DomainError) as refused:
            photos.clean([("大图.png", data)])
        assert str(refused.value) == "“大图.png”的像素过多，无法处理，请缩小后再上传。"
    assert photos.MAX_PIXELS <= 20_000_000


def test_a_large_photo_is_stored_scaled_down_upright(app):
    out = BytesIO()
    Image.new("RGB", (6000, 1500), (10, 120, 10)).save(out, format="JPEG")
    with app.app_context():
        [stored] = photos.clean([("wide.jpg", out.getvalue())])
    assert Image.open(BytesIO(stored.data)).size == (4000, 1000)
    with app.app_context():
        [turned] = photos.clean([("turned.jpg", jpeg_with_gps(orientation=6, size=(64, 32)))])
    assert Image.open(BytesIO(turned.data)).size == (32, 64)


def test_nothing_is_decoded_while_the_captcha_is_wrong(client, demo):
    def broken():
        return [(BytesIO(b"\x89PNG\r\n\x1a\n but nothing more"), "坏的.png")]

    _, data = step1(client)
    before = len(db.session.scalars(select(Complaint.id)).all())
    for token in (captcha.issue(answer="K7M4P").token, "0" * 37):  # wrong, and unknown
        wrong = submit(client, data, answer=None, captcha_token=token, captcha="WRONG", files=broken())
        page = text(wrong)
        assert wrong.status_code == 400 and 'id="captcha-error"' in page
        assert "坏的.png" not in page  # not decoded: nothing to say about it yet
        assert "请重新选择" in page  # the chosen files are gone: the person is told to choose again
    right = submit(client, data, files=broken())  # everything else right: now it is decoded, and refused
    assert right.status_code == 400 and "“坏的.png”" in text(right)
    assert len(db.session.scalars(select(Complaint.id)).all()) == before
