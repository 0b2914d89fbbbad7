"""zhijiao-agent."""
