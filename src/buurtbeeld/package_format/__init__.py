"""The package contract between a partner's source toolkit and the platform.

- :mod:`.model`: the published-table model (:class:`PublishedTable`, :class:`PackageContents`)
- :mod:`.manifest`: the manifest schema (every field validated)
- :mod:`.linkage`: the optional ``koppeling`` field of a linked package
- :mod:`.risk_estimates`: the optional ``risicofactoren`` field (group-level risk estimates)
- :mod:`.signing`: Ed25519 keys and the signature of the manifest
- :mod:`.bounded`: opening a zip within limits (bombs, traversal)
- :mod:`.zipio`: the zip layout, writing and verified reading

Written by ``source``, read by ``store``; see docs/pakketformaat.md.
"""

from buurtbeeld.package_format.bounded import LIMITS, ZipLimits, refuse
from buurtbeeld.package_format.linkage import linkage_from_manifest, linkage_to_manifest
from buurtbeeld.package_format.manifest import Manifest, is_plain_text, validate_manifest
from buurtbeeld.package_format.model import (
    HIDDEN_STATUS,
    LETTER_STATUSES,
    LINKAGE_KIND,
    LINKAGE_NO,
    LINKAGE_RULE,
    MEASURES,
    PUBLISHED_STATUSES,
    TOTAL,
    Linkage,
    PackageContents,
    Provision,
    PublishedTable,
    TableDimension,
)
from buurtbeeld.package_format.risk_estimates import (
    RISK_RULES,
    RiskEstimate,
    RiskEstimates,
    risk_from_manifest,
)
from buurtbeeld.package_format.signing import (
    SIGNATURE,
    PublicKey,
    SigningKey,
    create_key_pair,
    load_signing_key,
    parse_public_key,
)
from buurtbeeld.package_format.zipio import (
    FORMAT,
    HIDDEN_STATUS_VERSION,
    LATEST_VERSION,
    MANIFEST,
    REPORT,
    REQUIRED_COLUMNS,
    SIGNED_VERSION,
    VERSION,
    VERSIONS,
    Package,
    PackageTable,
    read_package,
    write_package,
)

__all__ = [
    "FORMAT",
    "HIDDEN_STATUS",
    "HIDDEN_STATUS_VERSION",
    "LATEST_VERSION",
    "LETTER_STATUSES",
    "LIMITS",
    "LINKAGE_KIND",
    "LINKAGE_NO",
    "LINKAGE_RULE",
    "MANIFEST",
    "MEASURES",
    "PUBLISHED_STATUSES",
    "REPORT",
    "REQUIRED_COLUMNS",
    "RISK_RULES",
    "SIGNATURE",
    "SIGNED_VERSION",
    "TOTAL",
    "VERSION",
    "VERSIONS",
    "Linkage",
    "Manifest",
    "Package",
    "PackageContents",
    "PackageTable",
    "Provision",
    "PublicKey",
    "PublishedTable",
    "RiskEstimate",
    "RiskEstimates",
    "SigningKey",
    "TableDimension",
    "ZipLimits",
    "create_key_pair",
    "is_plain_text",
    "linkage_from_manifest",
    "linkage_to_manifest",
    "load_signing_key",
    "parse_public_key",
    "read_package",
    "refuse",
    "risk_from_manifest",
    "validate_manifest",
    "write_package",
]
