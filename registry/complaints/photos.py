"""Photos sent with a complaint: at most three images, each checked by its content (never by its
name or the type the browser claims), turned upright and re-encoded, so that nothing of the file as
sent is kept — no EXIF (GPS position, camera, time), no comments, no hidden payload.
"""

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from registry.core.errors import refuse

MAX_PHOTOS = 3
# Pixels, checked from the header before anything is decoded: a few bytes may claim a huge image
# (a decompression bomb). A 50-megapixel phone photo still passes.
MAX_PIXELS = 60_000_000
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


def clean(files: list[tuple[str, bytes]]) -> list[Photo]:
    """The photos (name as sent, bytes) checked and re-encoded; every problem raised at once, each
    naming its file (DomainErrors on the field "photos")."""
    files = [(name, data) for name, data in files if name or data]
    if len(files) > MAX_PHOTOS:
        refuse([(FIELD, _l("最多上传 %(n)s 张照片，您选择了 %(m)s 张。", n=MAX_PHOTOS, m=len(files)))])
    limit = current_app.config["COMPLAINT_PHOTO_MAX_BYTES"]
    problems, photos = [], []
    for number, (name, data) in enumerate(files, start=1):
        name = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:100] or _l("第 %(n)s 张照片", n=number)
        if len(data) > limit:
            problems.append((FIELD, _l("“%(name)s”超过 %(mb)s MB，请压缩后再上传。", name=name, mb=_megabytes(limit))))
            continue
        if not data:
            problems.append((FIELD, _l("“%(name)s”是空文件。", name=name)))
            continue
        made = _reencode(data)
        if isinstance(made, str):
            problems.append((FIELD, PROBLEMS[made](name)))
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


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as it is when that EXIF cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF: Pillow raises whatever its parser meets
        return image


def _reencode(data: bytes) -> tuple[str, str, bytes] | str:
    """(content type, extension, bytes) of the image re-encoded without metadata, or the key of what
    is wrong with it (PROBLEMS)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            if image.format not in FORMATS:
                return NOT_AN_IMAGE
            width, height = image.size
            if width * height > MAX_PIXELS:
                return TOO_LARGE
            image.load()
            upright = _upright(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return TOO_LARGE
    except UnidentifiedImageError:
        return NOT_AN_IMAGE
    except (OSError, ValueError, SyntaxError, EOFError):
        return BROKEN
    fmt = image.format
    content_type, extension = FORMATS[fmt]
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif fmt == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
    elif fmt == "PNG" and upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
        upright = upright.convert("RGBA")
    # A fresh image of the pixels alone: nothing of the file's info (EXIF, ICC, text chunks, XMP) is
    # handed to the encoder.
    bare = Image.new(upright.mode, upright.size)
    if upright.mode == "P":
        bare.putpalette(upright.getpalette())
    bare.paste(upright)
    out = BytesIO()
    options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    bare.save(out, format=fmt, **options)
    return content_type, extension, out.getvalue()
