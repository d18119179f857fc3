"""The study: every experiment scenario, repeated, and one Lambda-vs-Kappa verdict."""
