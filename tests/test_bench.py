"""`gridgov bench` runs both models in one process and prints the ratios."""

from simulation.bench import run_benchmark
from simulation.cli import main


def test_benchmark_measures_both_models():
    r = run_benchmark(repeats=1, district=False, echo=lambda *_: None)
    assert r.household_days_per_s > 0 and r.boltzmann_agent_steps_per_s > 0
    assert r.ratio == r.household_days_per_s / r.boltzmann_agent_steps_per_s
    assert r.district_over_street is None


def test_bench_command_prints_the_ratio(capsys):
    assert main(["bench", "--repeats", "1", "--no-district"]) == 0
    out = capsys.readouterr().out
    assert "ratio (target >= 50)" in out and "household-days per second" in out


def test_bench_refuses_a_repeat_count_it_cannot_use(capsys):
    import pytest

    for bad in ("0", "-3", "abc"):
        with pytest.raises(SystemExit) as exit_:
            main(["bench", "--repeats", bad])
        assert exit_.value.code == 2
        assert "--repeats" in capsys.readouterr().err
