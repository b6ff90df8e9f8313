"""The trainer dashboard: a live street in the browser, mechanism switches, A/B comparison.

`session.DashboardSession` holds what is shown (usable without a browser); `app` is the Solara
page over it; `drawing` and `charts` draw the street and the plots cheaply; `cli` adds the
`gridgov dashboard` command.
"""
