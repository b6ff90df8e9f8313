"""Hypotheses in experiment files: checked at load time, one line naming file and field."""

from __future__ import annotations

import pytest
from test_experiment_helpers import assert_refused_at_load, factorial_toml, write

from simulation.cli import main
from simulation.running.spec import load_experiment


def _hyp(body: str) -> str:
    return factorial_toml(hypotheses=f'[[hypotheses]]\nname = "x"\n{body}')


LATE = [
    # Each of these must fail when the file is read, not after the whole sweep at `check`.
    ("unknown metric", _hyp('metric = "happiness"\na = "baseline"\nb = "identity"\n'
                            'direction = "less"'), "hypotheses[0].metric", "unknown outcome"),
    ("run column", _hyp('metric = "seed"\na = "baseline"\nb = "identity"\ndirection = "less"'),
     "hypotheses[0].metric", "not a summary outcome"),
    ("timing column", _hyp('metric = "elapsed_s"\na = "baseline"\nb = "identity"\n'
                           'direction = "less"'), "hypotheses[0].metric", "not a summary outcome"),
    ("duplicate term", _hyp('metric = "backlog_mean"\ninteraction = ["identity", "identity"]\n'
                            'sign = "negative"'), "hypotheses[0].interaction", "twice"),
    ("term not a factor", _hyp('metric = "backlog_mean"\ninteraction = ["identity", '
                               '"need_rate"]\nsign = "negative"'), "hypotheses[0].interaction",
     "not a factor"),
    ("no such group", _hyp('metric = "backlog_mean"\na = "baseline"\nb = "identiti"\n'
                           'direction = "less"'), "hypotheses[0].b", "matches no design point"),
    ("bad scale", _hyp('metric = "backlog_mean"\na = "baseline"\nb = "identity"\n'
                       'direction = "less"\nscale = "sqrt"'), "hypotheses[0].scale", "log"),
    ("bad min_effect", _hyp('metric = "backlog_mean"\na = "baseline"\nb = "identity"\n'
                            'direction = "less"\nmin_effect = -1'), "hypotheses[0].min_effect",
     "positive"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "text", "field", "words"), LATE, ids=[c[0] for c in LATE])
def test_bad_hypotheses_are_refused_before_any_run(tmp_path, capsys, label, text, field, words):
    assert_refused_at_load(tmp_path, capsys, text, field, words)


def test_family_defaults_to_the_first_word_and_keys_are_kept(tmp_path):
    text = _hyp(
        'metric = "backlog_mean"\na = "baseline"\nb = "identity"\ndirection = "less"\n'
        'scale = "log"\nmin_effect = 0.1'
    )
    h = load_experiment(write(tmp_path, text)).hypotheses[0]
    assert (h.family, h.scale, h.min_effect, h.wants_negative) == ("x", "log", 0.1, True)
    named = text.replace('name = "x"', 'name = "F7 something"\nfamily = "mine"')
    assert load_experiment(write(tmp_path, named, "n.toml")).hypotheses[0].family == "mine"
    unnamed = text.replace('name = "x"', 'name = "F7 something"')
    assert load_experiment(write(tmp_path, unnamed, "u.toml")).hypotheses[0].family == "F7"


@pytest.mark.slow
def test_an_interaction_on_one_replication_is_warned_then_refused_by_check(tmp_path, capsys):
    text = _hyp(
        'metric = "backlog_mean"\ninteraction = ["identity", "connection"]\nsign = "negative"'
    ).replace("replications = 2", "replications = 1")
    path = write(tmp_path, text)
    assert main(["sweep", str(path), "--dry-run"]) == 0
    assert "interaction hypotheses need replications >= 2" in capsys.readouterr().out
    # The sweep runs (it can be grown later); check names the problem instead of a NaN FAIL.
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["check", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "hypotheses[0].interaction" in err and "at least 2 finished runs" in err
