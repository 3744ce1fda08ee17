"""Unit tier: pure logic, no database, no network; each test well under 100 ms."""
