"""People and devices: passwords, sign-in throttling, devices, transfers."""
