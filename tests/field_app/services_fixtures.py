"""Shared by the field app service tests and the app benchmark: camera-like
JPEGs with real EXIF (orientation, time with offset, GPS, camera make)."""

import io
from functools import lru_cache

from PIL import ExifTags, Image

CAMERA_MAKE = "LastMileTestCam"
TAKEN = "2026:11:28 09:30:00"
TAKEN_OFFSET = "+08:00"
LATITUDE = (36.0, 36.0, 18.0)  # 36.605 N
LONGITUDE = (114.0, 26.0, 6.0)  # 114.435 E


@lru_cache(maxsize=16)
def camera_jpeg(
    size: tuple[int, int] = (1200, 900),
    orientation: int = 1,
    gps: bool = True,
    quality: int = 92,
    comment: bytes = b"",
) -> bytes:
    """A JPEG as a phone writes it; the left half red and the right half
    blue, so a test can tell whether the orientation was applied."""
    width, height = size
    image = Image.new("RGB", size, (30, 60, 220))
    image.paste((220, 40, 30), (0, 0, width // 2, height))
    # Sensor-like grain, so the JPEG has a photo's size (noise at full size is slow).
    grain = Image.effect_noise((width // 2, height // 2), 24).resize(size).convert("RGB")
    image = Image.blend(image, grain, 0.15)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = TAKEN
    details[ExifTags.Base.OffsetTimeOriginal] = TAKEN_OFFSET
    if gps:
        position = exif.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSLatitudeRef] = "N"
        position[ExifTags.GPS.GPSLatitude] = LATITUDE
        position[ExifTags.GPS.GPSLongitudeRef] = "E"
        position[ExifTags.GPS.GPSLongitude] = LONGITUDE
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif, comment=comment)
    return out.getvalue()
