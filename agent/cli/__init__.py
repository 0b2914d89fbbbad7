from agent.cli.app import main

__all__ = ["main"]
