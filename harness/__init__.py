"""Render this template into real projects and run their tools: shared by tests/ and benchmarks/."""
