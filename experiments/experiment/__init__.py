"""`lk experiment run`: one scenario streamed live through Lambda and Kappa, measured against the oracle."""
