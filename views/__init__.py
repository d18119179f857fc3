"""The event contract and every view, as pure functions shared by batch, speed and Kappa paths."""
