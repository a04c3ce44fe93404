"""``python -m cedb``: the same command as the installed ``cedb`` script."""

from cedb.cli.main import run

if __name__ == "__main__":
    run()
