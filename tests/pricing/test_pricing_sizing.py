"""The sizing query: the cheapest priced (type, count) that carries a demand with headroom.

Specs and prices by hand (catalogue snapshot; us-east-1 hosting, FMBench fallback list
<= 2025-01-26 and Studio-Notebook substitutions 2025-06-16): ml.m5.xlarge 4 vCPU 16 GiB
$0.23/h; ml.m5.large 2 vCPU 8 GiB $0.115/h; ml.c5.large 2 vCPU 4 GiB $0.102/h;
ml.g5.xlarge 1 x A10G 24 GiB; ml.g4dn.xlarge 1 x T4.
"""

from __future__ import annotations

from decimal import Decimal

from mlcost.model import Usage
from mlcost.pricing import spec
from mlcost.pricing.sizing import Demand, Fleet, carries, cheapest_fleet, not_burstable

REGION = "us-east-1"


def _fleet(instance_type: str, count: int) -> Fleet:
    return Fleet(instance_type, spec(instance_type), count)


def test_a_quiet_cpu_fleet_moves_to_the_cheapest_type_that_holds_its_peak():
    # two m5.xlarge, peak 0.5 vCPU and 3 GiB each: with 1.25 headroom, 2 x 0.5 x 1.25 = 1.25
    # vCPUs in all and 3.75 GiB on one instance: c5.large (2 vCPU, 4 GiB) carries it
    got = cheapest_fleet(
        REGION,
        Usage.HOSTING,
        _fleet("ml.m5.xlarge", 2),
        Demand(vcpus=0.5, memory_gib=3.0),
        headroom=1.25,
        min_count=1,
        allow=not_burstable,
    )
    assert got is not None
    quote, count = got
    assert (quote.instance_type, count) == ("ml.c5.large", 1)
    assert quote.usd_per_hour == Decimal("0.102")


def test_memory_must_fit_on_one_instance_and_keeps_the_current_when_unmeasured():
    current = _fleet("ml.m5.xlarge", 2)
    # 6 GiB x 1.25 = 7.5 GiB per instance: c5.large (4 GiB) cannot hold it, m5.large (8) can
    assert not carries(spec("ml.c5.large"), 2, current, Demand(0.5, 6.0), 1.25)
    assert carries(spec("ml.m5.large"), 1, current, Demand(0.5, 6.0), 1.25)
    # memory not measured: nothing smaller than the current 16 GiB
    assert not carries(spec("ml.m5.large"), 1, current, Demand(0.5, None), 1.25)


def test_a_used_gpu_stays_on_its_gpu_model_and_an_unused_one_may_leave_it():
    g5 = _fleet("ml.g5.xlarge", 1)
    used = Demand(vcpus=0.2, memory_gib=2.0, gpus=0.3, gpu_memory_gib=5.0)
    assert not carries(spec("ml.g4dn.xlarge"), 1, g5, used, 1.25)  # T4 is not an A10G
    assert not carries(spec("ml.m5.large"), 1, g5, used, 1.25)
    unused = Demand(vcpus=0.2, memory_gib=2.0, gpus=0.0, gpu_memory_gib=0.0)
    assert carries(spec("ml.m5.large"), 1, g5, unused, 1.25)


def test_nothing_fits_gives_none_and_burstable_types_are_left_out_when_asked():
    busy = Demand(vcpus=4.0, memory_gib=15.0)  # x 1.25: 5 vCPUs and 18.75 GiB on one box
    current = _fleet("ml.m5.xlarge", 1)
    any_type = cheapest_fleet(REGION, Usage.HOSTING, current, busy, headroom=1.25)
    assert any_type is not None and any_type[0].instance_type == "ml.t3.2xlarge"
    sustained = cheapest_fleet(
        REGION, Usage.HOSTING, current, busy, headroom=1.25, allow=not_burstable
    )
    assert sustained is not None and not sustained[0].instance_type.startswith("ml.t")
    impossible = Demand(vcpus=1000.0, memory_gib=15.0)
    assert cheapest_fleet(REGION, Usage.HOSTING, current, impossible, headroom=1.25) is None


def test_the_candidate_cache_is_keyed_to_the_loaded_catalogue():
    from mlcost.pricing import reload
    from mlcost.pricing.catalogue import generation

    before = generation()
    reload()
    assert generation() != before  # a reloaded (e.g. refreshed) catalogue is asked again
