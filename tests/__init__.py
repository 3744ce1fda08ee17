"""Tests of the template: render real projects with copier and run their tools."""
