"""Where a load run's CPU went: the whole machine's busy share, and CPU
seconds by who spent them.

On a real district the devices are phones: their encoding, gzip and
decoding run on their own CPUs. In the load bench they are threads of the
bench's own process on the same two cores as the servers and PostgreSQL, so
the table says how much of the machine the simulated devices took, beside
what the servers and the database took.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
GROUPS = ("devices (this bench)", "sync servers", "PostgreSQL", "anything else")


@dataclass
class CpuUse:
    """Filled in when the measured block ends."""

    busy_share: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def cpu_use() -> Iterator[CpuUse]:
    """Measure the block: the share of all CPUs' time that was not idle (the
    whole machine, anything else running counts too) and CPU seconds per
    group of processes (processes that start and end inside the block are
    missed; the servers' and the database's live through it)."""
    use = CpuUse()
    machine_before, groups_before = _machine_ticks(), _group_ticks()
    yield use
    machine_after, groups_after = _machine_ticks(), _group_ticks()
    total = sum(machine_after) - sum(machine_before)
    idle = (machine_after[3] + machine_after[4]) - (machine_before[3] + machine_before[4])
    use.busy_share = 1 - idle / total if total else 0.0
    use.seconds = {
        group: (groups_after.get(group, 0) - groups_before.get(group, 0)) / TICKS_PER_S
        for group in GROUPS
    }


def _machine_ticks() -> list[int]:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return [int(value) for value in fields[:8]]


def _group_ticks() -> dict[str, int]:
    parent: dict[int, int] = {}
    spent: dict[int, int] = {}
    command: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:  # it ended while we looked
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        values = stat[stat.rindex(")") + 2 :].split()
        parent[int(entry.name)] = int(values[1])
        spent[int(entry.name)] = int(values[11]) + int(values[12])  # utime, stime
    ticks: dict[str, int] = {}
    for pid, used in spent.items():
        group = _group_of(pid, parent, command)
        ticks[group] = ticks.get(group, 0) + used
    return ticks


def _group_of(pid: int, parent: dict[int, int], command: dict[int, str]) -> str:
    """The bench itself; the servers it started (its descendants: ``lastmile
    server`` and its worker processes); PostgreSQL's processes; the rest."""
    me = os.getpid()
    if pid == me:
        return GROUPS[0]
    ancestor = parent.get(pid, 0)
    while ancestor > 1:
        if ancestor == me:
            return GROUPS[1]
        ancestor = parent.get(ancestor, 0)
    if command.get(pid) == "postgres":
        return GROUPS[2]
    return GROUPS[3]


def busy_rows(use: CpuUse) -> list[tuple[str, str]]:
    """The table's rows: the machine's busy share, then each group's share of
    the CPU time spent."""
    spent = sum(use.seconds.values()) or 1.0
    rows = [("CPU busy (whole machine)", f"{use.busy_share:.0%}")]
    rows += [
        (f"  CPU of {group}", f"{seconds:.1f} s ({seconds / spent:.0%})")
        for group, seconds in use.seconds.items()
    ]
    return rows
