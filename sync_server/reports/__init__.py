"""Printable documents only the server renders: the monthly office report,
which prints the server's dashboard. Documents both sides print, and the
font every PDF is drawn with, live in ``shared_documents``."""
