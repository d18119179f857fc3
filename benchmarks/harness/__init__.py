"""The references every benchmark measures against, and measuring in a fresh process."""
