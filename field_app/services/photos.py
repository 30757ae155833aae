"""Photos: re-encoded on the device before they are stored or uploaded.

A phone photo is 3–10 MB with EXIF that names the phone, the time and the
exact place it was taken (often someone's home). What leaves the device is
a JPEG of at most 1600 px on its long side at quality 80 (a few hundred KB
over a weak rural connection) with no metadata at all: the orientation is
applied to the pixels, the time and GPS position are returned so the caller
can keep them as record fields, and any colour profile is converted to sRGB
and then dropped (a profile can carry the camera's make and model). The
original is stored only when the user explicitly asks to keep it.
"""

import hashlib
import io
import math
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from uuid import UUID

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from field_app.errors import SaveRejectedError
from field_app.services.records import validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.attachments import (
    MAX_BLOB_BYTES,
    AttachmentFields,
    AttachmentKind,
    AttachmentOwner,
)
from shared_models.protocol.tables import TableName

MAX_LONG_SIDE = 1600
JPEG_QUALITY = 80
THUMB_LONG_SIDE = 256
THUMB_QUALITY = 70
MAX_PIXELS = 150_000_000
"""Larger than any phone camera (108 MP sensors); beyond it we refuse
rather than risk a decompression bomb."""

_ORIGINAL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoRejectedError(ValueError):
    """The bytes are not a photo this app can use (the message says why)."""


@dataclass(frozen=True)
class PreparedPhoto:
    """The re-encoded photo that is stored and uploaded, and what its EXIF said."""

    jpeg: bytes
    width: int
    height: int
    sha256: str
    thumbnail: bytes
    taken_at: datetime | None
    gps: tuple[float, float] | None


@dataclass(frozen=True)
class AttachedPhoto:
    attachment_id: UUID
    photo: PreparedPhoto
    original_attachment_id: UUID | None = None


def _open(raw: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # We enforce our own, larger limit below (and decode scaled down).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError):
        raise PhotoRejectedError("this file is not a photo the app can read") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoRejectedError("this photo is too large to process")
    return image


def _ratio(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a number")
    return number


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    info = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        degrees = []
        for value_tag, ref_tag, negative in (
            (ExifTags.GPS.GPSLatitude, ExifTags.GPS.GPSLatitudeRef, "S"),
            (ExifTags.GPS.GPSLongitude, ExifTags.GPS.GPSLongitudeRef, "W"),
        ):
            d, m, s = (_ratio(part) for part in info[value_tag])
            value = d + m / 60 + s / 3600
            ref = info.get(ref_tag, "")
            ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref)
            degrees.append(-value if ref.strip().upper() == negative else value)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    lat, lon = degrees
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 7), round(lon, 7)


def _taken_at(exif: Image.Exif, local_tz: tzinfo) -> datetime | None:
    details = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = details.get(ExifTags.Base.OffsetTimeOriginal)
    zone: tzinfo = local_tz
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        except ValueError:
            pass
    # Without an offset the camera wrote wall-clock time: the district's (a
    # phone in the field keeps the district's time; the host's zone means nothing).
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _to_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output = "L" if image.mode == "L" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are are the best we have
    return image


def _encode(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # Pillow copies a JPEG comment from here; nothing of the original goes out
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def prepare_photo(raw: bytes, local_tz: tzinfo = DEFAULT_ZONE) -> PreparedPhoto:
    """Re-encode ``raw`` for storage and upload (see the module docstring)."""
    with _open(raw) as source:
        exif = source.getexif()
        orientation = exif.get(ExifTags.Base.Orientation, 1)
        gps = _gps(exif)
        taken_at = _taken_at(exif, local_tz)
        icc = source.info.get("icc_profile")
        width, height = source.size
        scale = min(1.0, MAX_LONG_SIDE / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if source.format == "JPEG" and scale < 1:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly: most of the time saved.
            source.draft("RGB", target)
        try:
            source.load()
        except (OSError, SyntaxError, ValueError):
            raise PhotoRejectedError("this photo is damaged and cannot be read") from None
        image = source
        if image.size != target:
            # Bilinear (with Pillow's antialiasing) is plenty for the at most 1.25×
            # step left after the scaled decode, and the cheapest filter that is.
            image = image.resize(target, Image.Resampling.BILINEAR)
        if orientation in _TRANSPOSE:
            image = image.transpose(_TRANSPOSE[orientation])
        image = _to_rgb(image, icc if isinstance(icc, bytes) else None)
        jpeg = _encode(image, JPEG_QUALITY)
        thumb = image.copy()
        thumb.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE), Image.Resampling.LANCZOS)
        thumbnail = _encode(thumb, THUMB_QUALITY)
    return PreparedPhoto(
        jpeg=jpeg,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        thumbnail=thumbnail,
        taken_at=taken_at,
        gps=gps,
    )


def thumbnail_of(image_bytes: bytes) -> bytes:
    """The list thumbnail of a stored photo (one another device took)."""
    with _open(image_bytes) as image:
        thumb = _to_rgb(image, None)
        thumb.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE), Image.Resampling.LANCZOS)
        return _encode(thumb, THUMB_QUALITY)


def _attachment(
    owner_table: AttachmentOwner,
    owner_id: UUID,
    kind: AttachmentKind,
    sha256: str,
    size: int,
    mime: str,
    width: int,
    height: int,
    caption: str,
    taken_at: datetime | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "owner_table": owner_table.value,
        "owner_id": str(owner_id),
        "kind": kind.value,
        "sha256": sha256,
        "size": size,
        "mime": mime,
        "width": width,
        "height": height,
        "caption": caption,
        "taken_at": taken_at.isoformat() if taken_at else None,
    }
    validate_fields(AttachmentFields, fields)
    return fields


def save_photo(
    store: LocalStore,
    blobs: LocalBlobStore,
    owner_table: AttachmentOwner | str,
    owner_id: UUID,
    photo: PreparedPhoto,
    caption: str = "",
    original: bytes | None = None,
) -> AttachedPhoto:
    """Store an already prepared photo and its attachment record.

    Each record is validated before its blob is written, and each blob is on
    disk before the record that points at it commits (one transaction per
    record), so no saved attachment ever lacks its bytes.
    """
    try:
        owner = AttachmentOwner(owner_table)
    except ValueError:
        owners = ", ".join(AttachmentOwner)
        raise SaveRejectedError("owner_table", f"photos belong to one of: {owners}") from None
    if owner is AttachmentOwner.AGREEMENTS:  # a sealed agreement gains no attachment
        store.records.refuse_if_sealed(TableName.AGREEMENTS, owner_id)
    fields = _attachment(
        owner,
        owner_id,
        AttachmentKind.PHOTO,
        photo.sha256,
        len(photo.jpeg),
        "image/jpeg",
        photo.width,
        photo.height,
        caption,
        photo.taken_at,
    )
    original_fields = (
        None if original is None else _original_fields(owner, owner_id, original, caption, photo)
    )
    blobs.put(photo.jpeg, "image/jpeg")
    blobs.put_thumbnail(photo.sha256, photo.thumbnail)
    attachment_id = uuid.uuid4()
    store.records.save(TableName.ATTACHMENTS, attachment_id, fields)
    original_id = None
    if original is not None and original_fields is not None:
        blobs.put(original, str(original_fields["mime"]))
        original_id = uuid.uuid4()
        store.records.save(TableName.ATTACHMENTS, original_id, original_fields)
    return AttachedPhoto(attachment_id, photo, original_id)


def _original_fields(
    owner: AttachmentOwner, owner_id: UUID, raw: bytes, caption: str, photo: PreparedPhoto
) -> dict[str, Any]:
    if len(raw) > MAX_BLOB_BYTES:
        raise PhotoRejectedError("the original is too large to keep; keep the reduced photo")
    with _open(raw) as image:
        mime = _ORIGINAL_MIME.get(image.format or "")
        width, height = image.size
    if mime is None:
        raise PhotoRejectedError("the original's file type cannot be uploaded")
    sha256 = hashlib.sha256(raw).hexdigest()
    return _attachment(
        owner,
        owner_id,
        AttachmentKind.PHOTO,
        sha256,
        len(raw),
        mime,
        width,
        height,
        caption,
        photo.taken_at,
    )


def attach_photo(
    store: LocalStore,
    blobs: LocalBlobStore,
    owner_table: AttachmentOwner | str,
    owner_id: UUID,
    raw: bytes,
    caption: str = "",
    keep_original: bool = False,
) -> AttachedPhoto:
    """Re-encode ``raw`` and attach it to a record; the original is stored
    (and uploaded, EXIF and all) only with ``keep_original=True``."""
    photo = prepare_photo(raw)
    return save_photo(
        store, blobs, owner_table, owner_id, photo, caption, raw if keep_original else None
    )
