"""`lk bench scale`: the cost curve of correcting everything, at several data sizes."""
