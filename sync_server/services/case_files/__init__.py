"""Mediation case files (调解卷宗) on the server: a case's records gathered
in the caller's jurisdiction, printed as the PDF the phone prints, and the
completeness of closed cases' files for the supervisor's dashboard."""
