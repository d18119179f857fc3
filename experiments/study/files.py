"""The files a study writes into its folder."""

STUDY_FILE = "study.json"
"""The study document: plan, where it ran, each scenario's results file."""
REPORT_FILE = "study.html"
"""The study's page."""
