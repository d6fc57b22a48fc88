"""`samcli eval` with real models on the sample data, weights from the parity
fixtures' deterministic rule (skipped loudly where ../shared/parity is absent).
Deterministic weights segment nothing in particular: these runs prove the
command works end to end with real encoders and decoders, not any quality."""
from __future__ import annotations

import json

from tests.cli_helpers import SAMPLES, invoke, samcli

GT = SAMPLES / "eval" / "instances_gt.json"


def table_rows(stderr: str) -> dict[str, list[str]]:
    """The table's rows by model: its cells as text."""
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in stderr.splitlines() if line.startswith("│")]
    return {row[0]: row[1:] for row in rows}


def test_must_show_box_on_the_samples_with_mobilesam_and_edgesam(parity_checkpoint):
    run = samcli("eval", SAMPLES / "images", "--annotations", GT, "--model", "mobilesam,edgesam",
                 "--checkpoint", parity_checkpoint("mobilesam"), "--checkpoint", parity_checkpoint("edgesam"),
                 "--protocol", "box")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # the table is on stderr; results go to stdout only with --out -
    rows = table_rows(run.stderr)
    assert sorted(rows) == ["edgesam", "mobilesam"]
    for cells in rows.values():
        images, instances, everything, small, medium, large, rate = cells
        assert (images, instances) == ("4", "13")
        assert everything.endswith("(13)") and small.endswith("(2)") and medium.endswith("(1)") and large.endswith("(10)")
        assert 0.0 <= float(everything.split()[0]) <= 100.0 and float(rate) > 0


def test_point_and_coco_ap_with_a_real_model(parity_checkpoint, tmp_path):
    """EdgeSAM, one image: clicks through the real decoder (and its point-prompt mask
    choice under --multimask always), detections into COCOeval."""
    common = ["eval", SAMPLES / "images", "-a", GT, "-m", "edgesam", "-c", parity_checkpoint("edgesam"),
              "--max-images", "1", "-q", "-o", "-"]
    point = invoke(*common, "--protocol", "point", "--clicks", "1,2")
    assert point.exit_code == 0, point.stderr
    (m,) = json.loads(point.stdout)["models"]
    assert m["instances"] == 2 and all(m["metrics"][k]["all"]["count"] == 2 for k in ("1", "2"))
    ap = invoke(*common, "--protocol", "coco-ap", "--detections", SAMPLES / "eval" / "detections.json")
    assert ap.exit_code == 0, ap.stderr
    (m,) = json.loads(ap.stdout)["models"]
    assert m["detections"] == 3 and all(v is None or 0.0 <= v <= 1.0 for v in m["metrics"].values())
