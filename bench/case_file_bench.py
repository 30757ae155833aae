"""The case-file benchmark: one command, one table.

    .venv/bin/python -m bench.case_file_bench            # 20 photos, 5 runs
    .venv/bin/python -m bench.case_file_bench --photos 40 --repeat 3

A phone's encrypted store holds one mediation case from application to
archive (application, acceptance, notices, investigation, session, sealed
agreement, follow-up, closing report; signatures of every party) and
``--photos`` evidence photos as the phone keeps them: 4000×3000 camera
JPEGs re-encoded by the app (``services/photos.prepare_photo``, 1600 px),
encrypted in its attachment store. Each run is what the case page's
*Print case file* does: gather the records (decrypting them), lay the file
out, decrypt the images and draw the PDF (``services/case_file``).
Target: ≤ 3 s for 20 photos. Wall-clock times on a loaded machine include
waiting for a CPU; the CPU column is the work itself.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from field_app.security.aead import DataKeyCipher
from field_app.services.case_file import case_file_pdf, case_file_sources
from field_app.services.photos import prepare_photo
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.store import LocalStore
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.case_lifecycle import MediationSettings
from tests.field_app.case_file_device import on_phone
from tests.field_app.services_fixtures import camera_jpeg
from tests.shared_models.case_file_records import CASE, closed_case

TARGET_S = 3.0


def stored_photo(n: int) -> bytes:
    """A camera photo as the phone stores it (each one different)."""
    return prepare_photo(camera_jpeg((4000, 3000), comment=f"bench {n}".encode())).jpeg


def run(photos: int, repeat: int) -> tuple[list[float], list[float], int, int]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_local_engine(Path(folder) / DATABASE_FILE)
        migrate(engine)
        cipher = DataKeyCipher(os.urandom(32))
        store = LocalStore(engine, cipher)
        blobs = LocalBlobStore(Path(folder) / "blobs", cipher, store)
        on_phone(store, blobs, closed_case(photos, photo=stored_photo), "百家村人民调解委员会")
        walls, cpus, size, pages = [], [], 0, 0
        for _ in range(repeat + 1):  # the first run warms the font's glyph cache
            cpu, wall = time.process_time(), time.perf_counter()
            sources = case_file_sources(
                store, CASE, date(2027, 2, 1), DEFAULT_ZONE, MediationSettings()
            )
            pdf = case_file_pdf(blobs, CASE, sources)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            size, pages = len(pdf), pdf.count(b"/Type /Page\n")
        engine.dispose()
    return walls, cpus, size, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    walls, cpus, size, pages = run(args.photos, args.repeat)
    first, walls, cpus = walls[0], walls[1:], cpus[1:]
    print(
        f"\nPython {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; PDF {size / 1e6:.1f} MB, {pages} pages\n"
    )
    print(f"| {'what':<38} | runs | median s | max s | CPU s | target s | result |")
    print(f"|{'-' * 40}|------|----------|-------|-------|----------|--------|")
    median, worst = statistics.median(walls), max(walls)
    verdict = "PASS" if statistics.median(cpus) <= TARGET_S and median <= TARGET_S else "MISS"
    what = f"case file PDF, {args.photos} photos"
    print(
        f"| {what:<38} | {len(walls):>4} | {median:>8.2f} | {worst:>5.2f} "
        f"| {statistics.median(cpus):>5.2f} | {f'≤ {TARGET_S:.0f}':>8} | {verdict:>6} |"
    )
    first_what = "first run (font glyphs converted)"
    blank = f"|{' ' * 7}|{' ' * 10}|{' ' * 8}|"
    print(f"| {first_what:<38} |    1 | {first:>8.2f} | {first:>5.2f} {blank}")
    if verdict == "MISS":
        sys.exit(1)


if __name__ == "__main__":
    main()
