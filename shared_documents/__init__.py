"""Documents both sides print, drawn the same way on the phone and on the
server, and the Chinese font they are drawn with.

The phone prints a mediation agreement offline right after it is signed;
the server prints the same agreement for a supervisor's download and signs
the PDF with the district key. Both must give the same pages, so the layout
lives once, here, and neither side owns it: ``sync_server`` and
``field_app`` both import this package, and it imports ``shared_models``
only (the import contracts in pyproject.toml, ``[tool.importlinter]``, check
that on every run).

Today: the agreement (``agreement_pdf``), the mediation case file
(``case_file_pdf``, which prints the agreement inside it the same way), the
records of community correction (``announcement_pdf``,
``release_certificate_pdf``, filled from the synced records by
``correction_records``) and the font helper (``cjk_font``) with the bundled font itself
(``assets/fonts``, which the field app also serves to its screens as its
assets folder). The certificates and the printed reports of the coming
capabilities belong here too, each a module of its own; a document only one side prints (the monthly
office report, which reads the server's dashboard) stays on that side and
uses ``cjk_font`` from here.
"""

from pathlib import Path
from typing import Final

ASSETS_DIR: Final = Path(__file__).resolve().parent / "assets"
"""Files the documents and the app's screens share: today the bundled font
(``fonts/NotoSansSC-GB2312.otf``). The field app hands this folder to Flet as
its assets folder, so the web client and a phone build load the font from
here too."""
