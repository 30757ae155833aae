"""Photos are re-encoded on the device: small, upright, without metadata."""

import hashlib
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from field_app.errors import SaveRejectedError
from field_app.security.aead import DataKeyCipher
from field_app.services.photos import (
    PhotoRejectedError,
    attach_photo,
    prepare_photo,
)
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from tests.field_app.services_fixtures import CAMERA_MAKE, camera_jpeg


@pytest.fixture
def blobs(tmp_path: Path, cipher: DataKeyCipher, store: LocalStore) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", cipher, store)


RED, BLUE = (220, 40, 30), (30, 60, 220)


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel, colour, strict=False))


def test_large_photo_is_reduced_to_1600px_as_a_quality_80_jpeg() -> None:
    raw = camera_jpeg((4000, 3000))
    photo = prepare_photo(raw)
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(io.BytesIO(photo.jpeg)) as image:
        assert image.format == "JPEG"
        assert image.size == (1600, 1200)
        # libjpeg's quality 80 luminance table starts with 6 (quality 92: 3, 50: 16).
        assert image.quantization[0][0] == 6  # type: ignore[attr-defined]
    assert 20_000 < len(photo.jpeg) < 1_000_000
    assert len(photo.jpeg) < len(raw) / 3
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()


def test_small_photo_keeps_its_size() -> None:
    photo = prepare_photo(camera_jpeg((800, 600)))
    assert (photo.width, photo.height) == (800, 600)


def test_all_metadata_is_gone_but_time_and_place_are_returned() -> None:
    raw = camera_jpeg((2000, 1500), comment=b"home of the applicant")
    with Image.open(io.BytesIO(raw)) as original:  # the fixture really carries EXIF
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = prepare_photo(raw)
    with Image.open(io.BytesIO(photo.jpeg)) as image:
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert "xmp" not in image.info
        assert "icc_profile" not in image.info
        markers = {marker for marker, _ in image.applist}  # type: ignore[attr-defined]
        assert markers <= {"APP0"}  # JFIF only: no APP1 (EXIF/XMP), APP2 (ICC), COM
    for secret in (CAMERA_MAKE.encode(), b"Exif", b"GPS", b"home of the applicant"):
        assert secret not in photo.jpeg
        assert secret not in photo.thumbnail
    assert photo.taken_at == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    assert photo.gps == pytest.approx((36.605, 114.435))


def test_photo_without_gps_has_no_position() -> None:
    assert prepare_photo(camera_jpeg(gps=False)).gps is None


def test_orientation_is_applied_to_the_pixels() -> None:
    # Stored landscape, red on the left; orientation 6 means "turn clockwise".
    photo = prepare_photo(camera_jpeg((2000, 1000), orientation=6))
    assert (photo.width, photo.height) == (800, 1600)
    with Image.open(io.BytesIO(photo.jpeg)) as image:
        rgb = image.convert("RGB")
        assert _near(rgb.getpixel((400, 200)), RED)  # type: ignore[arg-type]
        assert _near(rgb.getpixel((400, 1400)), BLUE)  # type: ignore[arg-type]


def test_thumbnail_is_a_small_jpeg_of_the_same_picture() -> None:
    photo = prepare_photo(camera_jpeg((4000, 3000)))
    with Image.open(io.BytesIO(photo.thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) == 256
        assert thumb.size == (256, 192)
        assert _near(thumb.convert("RGB").getpixel((10, 96)), RED)  # type: ignore[arg-type]
    assert len(photo.thumbnail) < 40_000


def test_transparent_png_becomes_a_jpeg_on_white() -> None:
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = prepare_photo(out.getvalue())
    with Image.open(io.BytesIO(photo.jpeg)) as result:
        assert result.format == "JPEG"
        assert _near(result.convert("RGB").getpixel((150, 100)), (255, 255, 255))  # type: ignore[arg-type]


def test_not_a_photo_is_refused_with_a_reason() -> None:
    with pytest.raises(PhotoRejectedError, match="not a photo"):
        prepare_photo(b"%PDF-1.7 definitely not a jpeg")


def test_attach_photo_stores_the_reduced_photo_only(
    store: LocalStore, blobs: LocalBlobStore
) -> None:
    raw = camera_jpeg((4000, 3000))
    owner = uuid.uuid4()
    attached = attach_photo(store, blobs, "visits", owner, raw, caption="煤棚现场")
    record = store.records.get("attachments", attached.attachment_id)
    assert record is not None
    assert record["sha256"] == attached.photo.sha256
    assert (record["width"], record["height"], record["mime"]) == (1600, 1200, "image/jpeg")
    assert record["size"] == len(attached.photo.jpeg)
    assert record["kind"] == "photo"
    assert record["taken_at"] == "2026-11-28T01:30:00Z"
    assert blobs.read(attached.photo.sha256) == attached.photo.jpeg
    assert blobs.thumbnail(attached.photo.sha256) == attached.photo.thumbnail
    assert [sha for sha, _, _ in blobs.pending()] == [attached.photo.sha256]
    assert attached.original_attachment_id is None
    assert not blobs.has(hashlib.sha256(raw).hexdigest())


def test_attach_photo_keeps_the_original_only_when_asked(
    store: LocalStore, blobs: LocalBlobStore
) -> None:
    raw = camera_jpeg((2000, 1500))
    attached = attach_photo(store, blobs, "visits", uuid.uuid4(), raw, keep_original=True)
    assert attached.original_attachment_id is not None
    original = store.records.get("attachments", attached.original_attachment_id)
    assert original is not None
    assert original["sha256"] == hashlib.sha256(raw).hexdigest()
    assert (original["width"], original["height"], original["size"]) == (2000, 1500, len(raw))
    assert blobs.read(str(original["sha256"])) == raw
    assert len(blobs.pending()) == 2


def test_a_refused_attachment_writes_no_blob(store: LocalStore, blobs: LocalBlobStore) -> None:
    with pytest.raises(SaveRejectedError, match="owner_table"):
        attach_photo(store, blobs, "parties", uuid.uuid4(), camera_jpeg())
    assert blobs.pending() == []
    assert store.outbox.items() == []
