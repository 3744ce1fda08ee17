"""Test suite, shaped like a pyramid: unit (60%), integration (35%), e2e (5%)."""
