"""endpoint-no-autoscaling: a four-instance endpoint with office-hours traffic and no
scaling policy (planted), and its twin with an Application Auto Scaling target
(look-alike: the scaler already follows the traffic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "endpoint-no-autoscaling"


def plant(b: OrgBuilder) -> None:
    use1 = "us-east-1"
    shop = b.tags("shop", "checkout-recs", "ravi@example.com")
    for name, autoscaling in (("checkout-recs-fixed", None), ("checkout-recs-scaled", (2, 4))):
        traffic = b.noisy(b.office(400.0, 40.0), 0.1)
        b.endpoint(
            use1,
            name,
            "ml.m5.xlarge",
            4,
            age_days=120,
            invocations=traffic,
            # busy at the peak (about 65 % per vCPU), quiet at night
            cpu_frac=b.noisy(0.1 + 0.55 * traffic / 400.0, 0.05, 0, 1),
            mem_pct=b.flat(55.0, 0.05, 100),
            tags=shop,
            autoscaling=autoscaling,
        )
        b.mark(CHECK, name, lookalike=autoscaling is not None)
