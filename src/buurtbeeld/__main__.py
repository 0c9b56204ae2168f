"""``python -m buurtbeeld``: the same as the ``buurtbeeld`` command."""

from buurtbeeld.cli.main import main

main()
