"""Every model samcli knows, family by family. Each family module declares its
`SPECS` (id, builder, official weights URL, licence, input size)."""
from __future__ import annotations

from samcli.models import edgesam, efficientvit_sam, sam_family
from samcli.models.registry import register

for family in (sam_family, efficientvit_sam, edgesam):
    register(*family.SPECS)

from samcli.models import efficientsam  # noqa: E402

register(*efficientsam.SPECS)
