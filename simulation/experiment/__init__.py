"""Experiment pipeline: design → execute → store → analyse → report → check.

Each stage is a small module; `simulation.experiment.sweep.run_experiment` strings the first three
together, and `report` / `check` read what the store wrote. The command line (`gridgov sweep`,
`gridgov report`, `gridgov check`) is a thin shell over these functions.
"""
