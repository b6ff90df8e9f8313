"""Share links: scenarios, switches, slider changes, seed, day and language; QR code offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import compared_session

from simulation.dashboard import share, views
from simulation.dashboard.session import DashboardSession

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"households_per_grid": 40, "grids_per_street": 2}


@pytest.fixture
def compared():
    return compared_session(7, SMALL)


@pytest.mark.slow
def test_share_link_restores_scenarios_switches_seed_and_day(compared):
    compared.set_mechanism("A", "identity", True)
    compared.step(30)
    url = share.link(compared, "http://10.0.0.5:8765/?old=1", "zh")
    assert url.startswith("http://10.0.0.5:8765/?a=baseline&sa=100&pa=")
    assert "&b=full&sb=111&pb=" in url and url.endswith("&seed=7&day=30&lang=zh")
    view = share.parse_link(url.split("?", 1)[1], compared.scenarios())
    other = DashboardSession(seed=99, scenario_folder=ROOT / "scenarios")
    other.set_params(SMALL)
    assert share.restore(other, view)
    assert other.compare and other.seed == 7 and other.day == 30
    assert other.sides["A"].params["identity"] and not other.sides["A"].params["connection"]
    assert other.sides["B"].scenario == "full"
    # the same settings and seed give the same street
    assert views.latest(other, "B")["backlog"] == views.latest(compared, "B")["backlog"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("a=nope", "a"),
        ("a=baseline&b=../etc", "b"),
        ("a=baseline&sa=12", "sa"),
        ("a=baseline&seed=x", "seed"),
        ("a=baseline&day=-3", "day"),
        ("a=baseline&day=99999", "day"),
        ("a=baseline&pa=households_per_grid:-5", "pa.households_per_grid"),
        ("a=baseline&pa=nonsense:1", "pa.nonsense"),
        ("a=baseline&pb=need_rate:abc", "pb.need_rate"),
    ],
)
def test_a_broken_link_is_one_line_naming_the_field(query, field):
    with pytest.raises(ValueError) as info:
        share.parse_link(query, ["baseline", "full"])
    assert str(info.value).startswith(f"link field {field}:") and "\n" not in str(info.value)


def test_a_plain_address_is_no_share_link():
    assert share.parse_link("", ["baseline"]) is None
    assert share.parse_link("token=abc", ["baseline"]) is None


def test_qr_code_is_inline_svg_drawn_offline():
    svg = share.qr_svg("http://127.0.0.1:8765/?a=baseline&seed=42&day=0")
    assert svg.startswith("<svg") and "path" in svg
