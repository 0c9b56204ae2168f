"""The package contract between a partner's source toolkit and the platform.

- :mod:`.model`: the published-table model (:class:`PublishedTable`, :class:`PackageContents`)
- :mod:`.zipio`: the zip layout, writing and verified reading

Written by ``source``, read by ``store``; see docs/pakketformaat.md.
"""

from buurtbeeld.package_format.model import (
    MEASURES,
    TOTAL,
    PackageContents,
    PublishedTable,
    TableDimension,
)
from buurtbeeld.package_format.zipio import (
    FORMAT,
    LATEST_VERSION,
    MANIFEST,
    REPORT,
    REQUIRED_COLUMNS,
    VERSION,
    VERSIONS,
    Package,
    PackageTable,
    read_package,
    refuse,
    write_package,
)

__all__ = [
    "FORMAT",
    "LATEST_VERSION",
    "MANIFEST",
    "MEASURES",
    "REPORT",
    "REQUIRED_COLUMNS",
    "TOTAL",
    "VERSION",
    "VERSIONS",
    "Package",
    "PackageContents",
    "PackageTable",
    "PublishedTable",
    "TableDimension",
    "read_package",
    "refuse",
    "write_package",
]
