"""The built-in models' specs: ids, weights files, licences, parity fixtures.
Free of torch (each `build` is a `lazy` reference to its family module), so that
looking a model up or finding its weights costs no torch import. The family
modules re-export their `SPECS` from here."""
from __future__ import annotations

from samcli.models.encoders.efficientvit_configs import CONFIGS as EFFICIENTVIT_CONFIGS
from samcli.models.spec import ModelSpec, lazy

# --- SAM ViT-B/L/H, MobileSAM and TinySAM (samcli.models.sam_family)

# Digests: Meta names SAM files by the first hex digits of their MD5; the full
# MD5s below are the ones published alongside those names. Where no digest is
# published we record none rather than invent one.

SAM_URL = "https://dl.fbaipublicfiles.com/segment_anything/"


def _sam_spec(size: str, filename: str, md5: str, summary: str, **extra) -> ModelSpec:
    return ModelSpec(
        id=f"sam-vit-{size}", family="SAM", summary=summary, build=lazy("samcli.models.sam_family:build_sam_vit", size),
        url=SAM_URL + filename, filename=filename, digest=f"md5:{md5}", licence="Apache-2.0",
        input_size=1024, **extra,
    )


SAM_FAMILY_SPECS = (
    _sam_spec("b", "sam_vit_b_01ec64.pth", "01ec64d29a2fca3f0661936605ae66f8", "Segment Anything ViT-B (baseline)",
              parity="sam_vit_b"),
    _sam_spec("l", "sam_vit_l_0b3195.pth", "0b3195507c641ddb6910d2bb5adee89c", "Segment Anything ViT-L",
              notes="same code as sam-vit-b (parity-proven) with the ViT-L configuration"),
    _sam_spec("h", "sam_vit_h_4b8939.pth", "4b8939a88964f0f4ff5f5b2642c598a6", "Segment Anything ViT-H (largest)",
              notes="same code as sam-vit-b (parity-proven) with the ViT-H configuration"),
    ModelSpec(
        id="mobilesam", family="MobileSAM", summary="TinyViT-5M encoder distilled from SAM ViT-H",
        build=lazy("samcli.models.sam_family:TinyViTSam"),
        url="https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",
        filename="mobile_sam.pt", digest="md5:f3c0d8cda613564d499310dab6c812cd",
        licence="Apache-2.0", input_size=1024, parity="mobilesam",
    ),
    ModelSpec(
        id="tinysam", family="TinySAM", summary="TinyViT-5M, full-stage distilled + quantisation-aware",
        build=lazy("samcli.models.sam_family:TinySam"),
        url="https://github.com/xinghaochen/TinySAM/releases/download/3.0/tinysam_42.3.pth",
        filename="tinysam_42.3.pth", licence="Apache-2.0", input_size=1024, parity="tinysam",
    ),
)

# --- EfficientViT-SAM (samcli.models.efficientvit_sam)

HF_URL = "https://huggingface.co/mit-han-lab/efficientvit-sam/resolve/main/"
#: variants with a golden under shared/parity; the others share their code and
#: are checked against the reference's key/shape manifests
PARITY_FIXTURES = {"l0": "efficientvit_sam_l0", "xl0": "efficientvit_sam_xl0"}
_SUMMARIES = {
    "l0": "EfficientViT-L0 encoder at 512 px (fastest)",
    "l1": "EfficientViT-L1 encoder at 512 px",
    "l2": "EfficientViT-L2 encoder at 512 px",
    "xl0": "EfficientViT-XL0 encoder at 1024 px",
    "xl1": "EfficientViT-XL1 encoder at 1024 px (most accurate)",
}


def _efficientvit_sam_spec(variant: str) -> ModelSpec:
    filename = f"efficientvit_sam_{variant}.pt"
    proven_by = "l0" if variant.startswith("l") else "xl0"
    return ModelSpec(
        id=f"efficientvit-sam-{variant}", family="EfficientViT-SAM", summary=_SUMMARIES[variant],
        build=lazy("samcli.models.efficientvit_sam:EfficientViTSam", variant), url=HF_URL + filename,
        filename=filename, licence="Apache-2.0", input_size=EFFICIENTVIT_CONFIGS[variant].input_size,
        parity=PARITY_FIXTURES.get(variant),
        notes="" if variant in PARITY_FIXTURES else
        f"same code as efficientvit-sam-{proven_by} (parity-proven); keys and shapes match the reference's",
    )


EFFICIENTVIT_SAM_SPECS = tuple(_efficientvit_sam_spec(v) for v in EFFICIENTVIT_CONFIGS)

# --- EfficientSAM (samcli.models.efficientsam)

#: the checkpoints live in the repository itself (no releases, no published digests)
EFFICIENTSAM_URL = "https://github.com/yformer/EfficientSAM/raw/main/weights/"
# EfficientSam(dim, num_heads): the encoder width and heads of each released model

EFFICIENTSAM_SPECS = (
    ModelSpec(
        id="efficientsam-ti", family="EfficientSAM", summary="EfficientSAM-Ti: SAMI-pretrained ViT-Tiny encoder",
        build=lazy("samcli.models.efficientsam.model:EfficientSam", dim=192, num_heads=3),
        url=EFFICIENTSAM_URL + "efficient_sam_vitt.pt",
        filename="efficient_sam_vitt.pt", licence="Apache-2.0", input_size=1024, parity="efficientsam_vitt",
    ),
    ModelSpec(
        id="efficientsam-s", family="EfficientSAM", summary="EfficientSAM-S: SAMI-pretrained ViT-Small encoder",
        build=lazy("samcli.models.efficientsam.model:EfficientSam", dim=384, num_heads=6),
        url=EFFICIENTSAM_URL + "efficient_sam_vits.pt.zip",
        filename="efficient_sam_vits.pt", licence="Apache-2.0", input_size=1024, parity="efficientsam_vits",
        notes="released zipped (GitHub's 100 MB limit); the download unzips it",
    ),
)

# --- EdgeSAM (samcli.models.edgesam)

EDGESAM_URL = "https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/"


def _edgesam_spec(model_id: str, filename: str, summary: str, **extra) -> ModelSpec:
    return ModelSpec(
        id=model_id, family="EdgeSAM", summary=summary, build=lazy("samcli.models.edgesam:EdgeSam"),
        url=EDGESAM_URL + filename, filename=filename,
        # NTU S-Lab License 1.0: redistribution and use for non-commercial purposes only
        licence="S-Lab-1.0 (non-commercial)", input_size=1024, **extra,
    )


EDGESAM_SPECS = (
    _edgesam_spec("edgesam", "edge_sam.pth", "RepViT-M1 encoder distilled from SAM ViT-H, prompt-in-the-loop",
                  parity="edgesam"),
    _edgesam_spec("edgesam-3x", "edge_sam_3x.pth", "EdgeSAM trained 3× longer (the demo's default weights)",
                  notes="same code as edgesam (parity-proven), other weights"),
)

# --- U²-Net (samcli.models.u2net)

#: the side the reference resizes every image to (`RescaleT(320)`)
U2NET_INPUT_SIZE = 320

# Official weights: Google Drive only (U-2-Net README, "Usage for salient object
# detection"), also on Baidu Pan. We store the direct-download form of the same
# Drive file; Drive answers a large file (u2net.pth) with a "can't scan for
# viruses" web page, which the downloader refuses, telling the user where to put
# the file. No digest is published.
GDRIVE = "https://drive.google.com/uc?export=download&id="
U2NET_README = "https://github.com/xuebinqin/U-2-Net#usage-for-salient-object-detection"

U2NET_SPECS = (
    ModelSpec(
        id="u2netp", family="U2-Net", summary="U²-Net small (4.7 MB) salient-object map, the default",
        build=lazy("samcli.models.u2net:build_u2netp"), url=GDRIVE + "1rbSTGKAE-MTxBYHd-51l2hMOQPT_7EPy",
        filename="u2netp.pth", licence="Apache-2.0", input_size=U2NET_INPUT_SIZE, kind="saliency", parity="u2netp",
        notes="official link https://drive.google.com/file/d/1rbSTGKAE-MTxBYHd-51l2hMOQPT_7EPy/view "
              f"(or Baidu Pan https://pan.baidu.com/s/10tW12OlecRpE696z8FxdNQ, code 8xsi), see {U2NET_README}",
    ),
    ModelSpec(
        id="u2net", family="U2-Net", summary="U²-Net full size (176 MB) salient-object map",
        build=lazy("samcli.models.u2net:build_u2net"), url=GDRIVE + "1ao1ovG1Qtx4b7EoskHXmi2E9rp5CHLcZ",
        filename="u2net.pth", licence="Apache-2.0", input_size=U2NET_INPUT_SIZE, kind="saliency", parity="u2net",
        notes="official link https://drive.google.com/file/d/1ao1ovG1Qtx4b7EoskHXmi2E9rp5CHLcZ/view "
              f"(or Baidu Pan https://pan.baidu.com/s/1WjwyEwDiaUjBbx_QxcXBwQ, code pf9k), see {U2NET_README}; "
              "Google Drive usually needs a browser for a file this large",
    ),
)

#: promptable segmenters, then salient-object models (kind="saliency")
BUILT_IN = (*SAM_FAMILY_SPECS, *EFFICIENTVIT_SAM_SPECS, *EFFICIENTSAM_SPECS, *EDGESAM_SPECS, *U2NET_SPECS)
