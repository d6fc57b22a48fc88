"""Every model samcli knows, family by family. Each family module declares its
`SPECS` (id, builder, official weights URL, licence, input size)."""
from __future__ import annotations

from samcli.models import edgesam, efficientsam, efficientvit_sam, sam_family, u2net
from samcli.models.registry import register

# promptable segmenters, then salient-object models (kind="saliency")
for family in (sam_family, efficientvit_sam, efficientsam, edgesam, u2net):
    register(*family.SPECS)
