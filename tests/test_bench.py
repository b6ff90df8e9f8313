"""`gridgov bench` runs both models in one process and prints the ratios with their targets.

The figures are checked for being measured and printed, never against the targets: the
machine is shared and noisy.
"""

import re

import pytest

from simulation.bench import run_benchmark
from simulation.cli import main


@pytest.mark.slow
def test_benchmark_warms_up_then_measures_both_models():
    lines = []
    r = run_benchmark(repeats=1, district=False, echo=lines.append)
    assert r.household_days_per_s > 0 and r.boltzmann_agent_steps_per_s > 0
    assert r.ratio == r.household_days_per_s / r.boltzmann_agent_steps_per_s
    assert r.district_over_street is None
    # The warm-up ran first and is reported apart from the timed repeat.
    assert r.warm_up_seconds > 0
    assert lines[0].startswith("  warm-up (not timed") and "repeat 1/1" in lines[1]
    assert len(r.load_average) == 3


@pytest.mark.slow
def test_bench_command_prints_the_ratios_with_their_targets(capsys):
    assert main(["bench", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    ratio = re.search(r"ratio to Boltzmann \(target >= 240\)\s+([0-9.]+)", out)
    district = re.search(r"district \(10 streets\) / street time \(target <= 11\)\s+([0-9.]+)", out)
    assert ratio and float(ratio.group(1)) > 0
    assert district and float(district.group(1)) > 0
    assert "household-days per second" in out
    assert "load average" in out and "Not timed: one warm-up run" in out


def test_bench_refuses_a_repeat_count_it_cannot_use(capsys):
    for bad in ("0", "-3", "abc"):
        with pytest.raises(SystemExit) as exit_:
            main(["bench", "--repeats", bad])
        assert exit_.value.code == 2
        assert "--repeats" in capsys.readouterr().err


def test_bench_has_no_options_of_the_developer_benchmarks(capsys):
    for option in ("--sweep", "--profile", "--quick"):
        with pytest.raises(SystemExit) as exit_:
            main(["bench", option])
        assert exit_.value.code == 2
        assert option in capsys.readouterr().err


def test_bench_help_says_what_is_measured_and_where_the_other_benchmarks_are(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("BoltzmannWealth", "district of 10 streets", "make bench-sweep", "make profile"):
        assert text in out


@pytest.mark.slow
def test_profile_accounts_for_the_whole_day_and_times_the_compiled_passes(capsys):
    from benchmarks.day_profile import PHASES, compiled_passes, profile_day

    rows = profile_day(days=30, warm=20)
    labels = [label for label, _ in rows]
    assert labels == [label for _, _, label in PHASES] + ["Mesa clock and step glue", "whole day"]
    day = rows[-1][1]
    assert day > 0 and all(us >= 0 for _, us in rows[:-2])
    assert sum(us for _, us in rows[:-1]) == pytest.approx(day)
    passes = compiled_passes(repeats=20)
    assert len(passes) == 5 and all(us > 0 for _, us in passes)
