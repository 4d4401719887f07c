"""Constitution drafting platform."""
