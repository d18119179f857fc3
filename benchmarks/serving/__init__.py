"""`lk bench serving`: `lk query`'s queries while the streams write, against no writer."""
