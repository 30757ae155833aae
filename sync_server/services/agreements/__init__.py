"""Sealed agreements: the district's countersignature, PAdES, printing, verifying."""
