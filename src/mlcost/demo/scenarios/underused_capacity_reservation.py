"""underused-capacity-reservation: 8 x g5.xlarge reserved for a launch, one in use (flagged);
a reservation its fleet fills (look-alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlcost.demo.org import ResourceSpec

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "underused-capacity-reservation"
NAMESPACE = "AWS/EC2/CapacityReservations"


def _reservation(
    b: OrgBuilder, region: str, rid: str, itype: str, total: int, used: int, tags: dict
) -> None:
    b.resources.append(
        ResourceSpec(
            "capacity-reservation",
            region,
            rid,
            itype,
            b.ago(60),
            total,
            tags,
            "active",
            {"used": used, "az": f"{region}a"},
        )
    )
    # InstanceUtilization: percent of the reserved instances in use (hourly Average)
    b.add_series(
        region,
        NAMESPACE,
        "InstanceUtilization",
        {"CapacityReservationId": rid},
        b.flat(used / total * 100, 0.02, 100),
        unit="Percent",
    )


def plant(b: OrgBuilder) -> None:
    region = "us-east-1"
    tags = b.tags("nlp", "support-bot", "ana@example.com")
    _reservation(b, region, "cr-0a1b2c3d4e5f60001", "g5.xlarge", 8, 1, tags)
    b.mark(CHECK, "cr-0a1b2c3d4e5f60001")
    _reservation(b, region, "cr-0a1b2c3d4e5f60002", "g5.2xlarge", 2, 2, tags)
    b.mark(CHECK, "cr-0a1b2c3d4e5f60002", lookalike=True)
