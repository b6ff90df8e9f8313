"""The teaching panels in the rendered page: seed bands in the background, share link, layout."""

from __future__ import annotations

import os
import time

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import ipyvuetify as v  # noqa: E402
import pytest  # noqa: E402
import solara  # noqa: E402

from simulation.dashboard import panels, uncertainty  # noqa: E402
from simulation.dashboard.app import Dashboard  # noqa: E402
from simulation.dashboard.session import DashboardSession  # noqa: E402

SMALL = {"grids_per_street": 2, "households_per_grid": 40, "burn_in_days": 5, "scored_days": 40}


@pytest.fixture
def rendered():
    session = DashboardSession(seed=3)
    session.set_params(SMALL)
    session.set_compare(True)
    box, rc = solara.render(solara.AppLayout(children=[Dashboard(session)]), handle_error=False)
    yield session, rc
    rc.close()
    panels.BANDS.value = None
    panels.PRESENT.value = False


def _html(rc) -> str:
    return "\n".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)


@pytest.mark.slow
def test_run_seeds_draws_bands_in_the_background_and_keeps_them_while_playing_on(rendered):
    session, rc = rendered
    rc.find(v.Btn, children=["+30 days"]).widget.click()
    assert 'class="gg-band"' not in _html(rc)
    rc.find(v.Btn, children=[f"Run {uncertainty.DEFAULT_SEEDS} seeds"]).widget.click()
    assert panels.SEEDS_BUSY.value  # the click has returned while the runs go on elsewhere
    deadline = time.time() + 300
    while panels.SEEDS_BUSY.value and time.time() < deadline:
        time.sleep(0.2)
    assert panels.BANDS.value is not None, panels.SEEDS_PROGRESS.value
    assert panels.BANDS.value["bands"].n == 10
    rc.find(v.Btn, children=["Step"]).widget.click()  # one day on: the band stays
    assert 'class="gg-band"' in _html(rc)
    note = rc.find(v.Html, class_="gg-seeds-note").widget
    assert "Mean of 10 seeds" in note.children[0]


def test_share_button_shows_the_link_and_its_qr_code(rendered):
    session, rc = rendered
    rc.find(v.Btn, children=["+30 days"]).widget.click()
    rc.find(v.Btn, children=["Link that restores this view"]).widget.click()
    share = [
        w for w in rc.find(solara.widgets.HTML).widgets if "gg-share-link" in w.unsafe_innerHTML
    ]
    assert len(share) == 1
    assert "day=30" in share[0].unsafe_innerHTML and "<svg" in share[0].unsafe_innerHTML


def test_presentation_switch_puts_the_difference_plots_beside_the_streets(rendered):
    session, rc = rendered
    assert ".gg-street-box{zoom:0.5}" not in _html(rc)
    rc.find(v.Switch, label=panels.t("present", "en")).widget.v_model = True
    assert panels.PRESENT.value is True
    assert ".gg-present .gg-street-box{zoom:0.5}" in _html(rc)
