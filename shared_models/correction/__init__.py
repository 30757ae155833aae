"""The rules of community correction both sides obey, as pure functions:
the district's settings (``settings.py``), leave limits and who decides
(``leave.py``), approvals (``approvals.py``), what is due when
(``due.py``) and the correction team (``team.py``). The phone checks
them before it saves; the server enforces them on every push and on the
desk's decisions."""
