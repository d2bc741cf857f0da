"""Failover drill on real processes: a 3-node region under continuous quorum-acknowledged
writes loses its leader to kill -9 five times (restarted each time). After every failover every
acknowledged write is on the new leader; no acknowledged write is ever lost. (The timing
figures over 20 kills are bench/run failover's; this test only prints them.)"""
from region_drill import percentile, run_drill
from test_region_election import region  # noqa: F401 - the fixture


def test_no_acknowledged_write_is_lost_across_five_leader_kills(region):  # noqa: F811
    region.start_all()
    times_ms, acked, lost = run_drill(region, kills=5, writes_between=100)
    print(f"failover: kills=5 p50_ms={percentile(times_ms, 50):.0f} max_ms={max(times_ms):.0f} acked={acked}")
    assert acked >= 500
    assert lost == []
