"""Photos from residents: checked by content, re-encoded, stripped (SECURITY.md 17).

What comes out is a new file written by Pillow from decoded pixels only: no EXIF (so no GPS),
no ICC or text chunks, no trailing bytes of a polyglot, a random name. What is refused: anything
Pillow does not decode as JPEG, PNG or WebP (so SVG, HTML or PDF named .jpg), images over the
pixel limit (decompression bombs), and files over the size limit.
"""

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
MAX_SIDE = 2560  # larger photos are scaled down: enough to see a pothole, small to store


def clean_photo(upload) -> ContentFile:
    """A safe re-encoded copy of an uploaded photo, or a translated ValidationError."""
    if upload.size > settings.PORTAL_MAX_UPLOAD_BYTES:
        raise ValidationError(
            gettext("A photo may be at most %(mb)d MB.")
            % {"mb": settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="too_large",
        )
    not_a_photo = ValidationError(
        gettext("This file is not a JPEG, PNG or WebP photo."), code="not_a_photo"
    )
    # The pixel limit is checked below from the header, before anything is decoded; Pillow's
    # process-wide Image.MAX_IMAGE_PIXELS is left alone (setting it per call leaked into every
    # later image of the process, QR codes included).
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise not_a_photo
            width, height = probe.size
            if width * height > settings.PORTAL_MAX_IMAGE_PIXELS:
                raise ValidationError(gettext("This photo has too many pixels."), code="too_big")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            # Rebuild from pixels only: nothing of the original file's metadata is carried over.
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
            out = io.BytesIO()
            lossy = image_format in ("JPEG", "WEBP")
            save_kwargs = {"quality": 85} if lossy else {"optimize": True}
            clean.save(out, format=image_format, **save_kwargs)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise not_a_photo from None
    extension, content_type = ALLOWED_FORMATS[image_format]
    result = ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")
    result.content_type = content_type
    return result
