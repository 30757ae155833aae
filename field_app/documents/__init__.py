"""Documents the app prints: the mediation agreement as PDF, drawn the same
way on the device and on the server."""
