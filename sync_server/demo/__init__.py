"""The demo district (复兴区（演示）): deterministic synthetic units, users,
cases, parties, subjects and visits for ``lastmile admin seed-demo``, tests
and benchmarks. Pure Python; loading it into a database is the caller's job."""

from sync_server.demo.district import (
    DEFAULT_TODAY,
    DEMO_NAMESPACE,
    DISTRICT_NAME,
    DemoDistrict,
    DemoUser,
    generate_district,
)

__all__ = [
    "DEFAULT_TODAY",
    "DEMO_NAMESPACE",
    "DISTRICT_NAME",
    "DemoDistrict",
    "DemoUser",
    "generate_district",
]
