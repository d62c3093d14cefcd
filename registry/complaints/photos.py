"""Photos sent with a complaint: at most three images, each checked by its content (never by its
name or the type the browser claims), turned upright, scaled down to MAX_SIDE and re-encoded, so
that nothing of the file as sent is kept — no EXIF (GPS position, camera, time), no comments, no
hidden payload.

Two passes, the cheap one first: `precheck` looks at the count and the sizes only (nothing decoded),
`clean` decodes. The form decodes only once everything else — the CAPTCHA above all — is right, so a
flood of posts with a wrong CAPTCHA never makes the server decode an image.
"""

import contextlib
import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.core.errors import refuse

if TYPE_CHECKING:  # Pillow itself is imported by the first photo decoded, not by every worker at start
    from PIL import Image

MAX_PHOTOS = 3
# Pixels, checked from the header before anything is decoded: a few bytes may claim a huge image
# (a decompression bomb). A 20-megapixel phone photo still passes; 50-megapixel ones are refused.
MAX_PIXELS = 20_000_000
# Longer side of a stored photo: larger ones are scaled down (enough to see the scene, bounds storage).
MAX_SIDE = 4000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
FIELD = "photos"


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def _name(name: str, number: int) -> str:
    return (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:100] or _l("第 %(n)s 张照片", n=number)


def _size_problems(files: list[tuple[str, bytes]]) -> list:
    files = [(name, data) for name, data in files if name or data]
    if len(files) > MAX_PHOTOS:
        return [(FIELD, _l("最多上传 %(n)s 张照片，您选择了 %(m)s 张。", n=MAX_PHOTOS, m=len(files)))]
    limit = current_app.config["COMPLAINT_PHOTO_MAX_BYTES"]
    problems = []
    for number, (name, data) in enumerate(files, start=1):
        if len(data) > limit:
            too_big = _l("“%(name)s”超过 %(mb)s MB，请压缩后再上传。", name=_name(name, number), mb=_megabytes(limit))
            problems.append((FIELD, too_big))
        elif not data:
            problems.append((FIELD, _l("“%(name)s”是空文件。", name=_name(name, number))))
    return problems


def precheck(files: list[tuple[str, bytes]]) -> None:
    """The count and the sizes, nothing decoded (DomainErrors on the field "photos")."""
    refuse(_size_problems(files))


def clean(files: list[tuple[str, bytes]]) -> list[Photo]:
    """The photos (name as sent, bytes) checked and re-encoded; every problem raised at once, each
    naming its file (DomainErrors on the field "photos")."""
    refuse(_size_problems(files))
    problems, photos = [], []
    for number, (name, data) in enumerate([(n, d) for n, d in files if n or d], start=1):
        made = _reencode(data)
        if isinstance(made, str):
            problems.append((FIELD, PROBLEMS[made](_name(name, number))))
            continue
        content_type, extension, encoded = made
        photos.append(Photo(f"photo-{number}.{extension}", content_type, encoded))
    refuse(problems)
    return photos


NOT_AN_IMAGE, TOO_LARGE, BROKEN = "not_an_image", "too_large", "broken"
PROBLEMS = {
    NOT_AN_IMAGE: lambda name: _l("“%(name)s”不是 JPEG、PNG 或 WebP 格式的图片。", name=name),
    TOO_LARGE: lambda name: _l("“%(name)s”的像素过多，无法处理，请缩小后再上传。", name=name),
    BROKEN: lambda name: _l("“%(name)s”已损坏，无法读取。", name=name),
}


def _turn_upright(image: "Image.Image") -> None:
    """Turn the image (in place) as its EXIF orientation says; leave it when that EXIF cannot be read."""
    from PIL import ImageOps

    with contextlib.suppress(Exception):  # malformed EXIF: Pillow raises whatever its parser meets
        ImageOps.exif_transpose(image, in_place=True)


def _reencode(data: bytes) -> tuple[str, str, bytes] | str:
    """(content type, extension, bytes) of the image re-encoded without metadata, or the key of what
    is wrong with it (PROBLEMS). The size is judged from the header before any pixel is decoded;
    a large JPEG is decoded at a reduced scale where the longer side allows (draft)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))  # lazy: reads the header only
            fmt = image.format
            if fmt not in FORMATS:
                return NOT_AN_IMAGE
            width, height = image.size
            if width * height > MAX_PIXELS:
                return TOO_LARGE
            if fmt == "JPEG":
                image.draft(image.mode, (MAX_SIDE, MAX_SIDE))
            image.load()
            _turn_upright(image)
            if max(image.size) > MAX_SIDE:
                image.thumbnail((MAX_SIDE, MAX_SIDE))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return TOO_LARGE
    except UnidentifiedImageError:
        return NOT_AN_IMAGE
    except (OSError, ValueError, SyntaxError, EOFError):
        return BROKEN
    content_type, extension = FORMATS[fmt]
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    elif fmt == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
        image = image.convert("RGBA")
    # A fresh image of the pixels alone: nothing of the file's info (EXIF, ICC, text chunks, XMP) is
    # handed to the encoder. The one copy made here is of an image at most MAX_SIDE on its longer side.
    bare = Image.new(image.mode, image.size)
    if image.mode == "P":
        bare.putpalette(image.getpalette())
    bare.paste(image)
    del image
    out = BytesIO()
    options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    bare.save(out, format=fmt, **options)
    return content_type, extension, out.getvalue()
