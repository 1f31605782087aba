"""Small helpers shared by the tests."""
