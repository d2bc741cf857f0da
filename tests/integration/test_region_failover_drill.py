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


def test_a_paused_leader_is_replaced_and_on_resuming_steps_down_without_losing_acknowledged_writes(region):  # noqa: F811
    """SIGSTOP the leader for 5 s under writes: the others elect a leader and keep
    acknowledging; the resumed node acknowledges nothing it cannot commit, follows the new
    leader, and every acknowledged write is on both."""
    import signal
    import time

    from conftest import wait_until
    from region_drill import Writer, missing_acked

    region.start_all()
    writer = Writer(region)
    writer.connect()
    while len(writer.acked) < 100:
        if not writer.write_once():
            writer.connect()
    paused = writer.leader
    region.servers[paused].process.send_signal(signal.SIGSTOP)
    paused_at = time.monotonic()
    survivors = [n for n in region.servers if n != paused]
    try:
        # Writes continue against whoever leads the others, for the 5 s the leader is stopped.
        while time.monotonic() - paused_at < 5.0:
            if not writer.write_once():
                try:
                    writer.connect(survivors)
                except TimeoutError:
                    pass
    finally:
        region.servers[paused].process.send_signal(signal.SIGCONT)
    acked_during_pause = [n for n in writer.acked if n >= 100]
    assert len(acked_during_pause) > 0, "the others elected no leader during the pause"
    new_leader = wait_until(region.leader, 15.0, "all three agreeing on a leader after the resume")
    assert new_leader != paused
    with region.servers[new_leader].client() as r:
        assert missing_acked(r, writer.acked) == []
    with region.servers[paused].client() as r:
        wait_until(lambda: missing_acked(r, writer.acked) == [], 15.0, "the resumed node catching up")
