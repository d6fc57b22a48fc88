import numpy as np
import pytest

from samcli.errors import InputError
from samcli.io.prompts import Prompt, PromptError, resolve


def test_normalized_box_and_points_become_pixels():
    p = Prompt(box=np.array([0.25, 0.5, 0.75, 1.0]), points=np.array([[0.5, 0.5]]), labels=np.array([1]),
               normalized=True, source="l.txt:1")
    out, warnings = resolve(p, 800, 534)
    np.testing.assert_allclose(out.box, [200, 267, 600, 534])
    np.testing.assert_allclose(out.points, [[400, 267]])
    assert not out.normalized and warnings == [] and out.source == "l.txt:1" and out.labels.tolist() == [1]


def test_pixel_prompt_inside_is_unchanged():
    p = Prompt(box=np.array([10.0, 20, 30, 40]), category_id=3, score=0.5)
    out, warnings = resolve(p, 100, 100)
    np.testing.assert_array_equal(out.box, p.box)
    assert warnings == [] and out.category_id == 3 and out.score == 0.5


def test_box_partly_outside_is_clipped_with_a_warning_naming_the_item():
    p = Prompt(box=np.array([-20.0, 10, 850, 500]), source="boxes.json: images[0].prompts[2]")
    out, warnings = resolve(p, 800, 534)
    np.testing.assert_array_equal(out.box, [0, 10, 800, 500])
    assert warnings == ["boxes.json: images[0].prompts[2]: box [-20, 10, 850, 500] extends outside "
                        "the 800x534 image; clipped to [0, 10, 800, 500]"]


def test_rounding_overshoot_is_clipped_silently():
    p = Prompt(box=np.array([0.5, 0.5, 1.0003, 1.0]), normalized=True)
    out, warnings = resolve(p, 800, 534)
    assert out.box[2] == 800 and warnings == []


@pytest.mark.parametrize("box", [[900.0, 10, 950, 50], [-50.0, 10, 0, 50]])
def test_box_entirely_outside_is_an_error(box):
    p = Prompt(box=np.array(box), source="d.json: [4]")
    with pytest.raises(PromptError, match=r"^d\.json: \[4\]: box \[.*\] lies outside the 800x534 image$") as e:
        resolve(p, 800, 534)
    assert isinstance(e.value, InputError)


def test_points_outside_are_moved_to_the_edge_with_a_warning():
    p = Prompt(points=np.array([[10.0, 10], [900, -5], [20, 20]]), labels=np.array([1, 0, 1]),
               source="p.json: images[1].prompts[0]")
    out, warnings = resolve(p, 800, 534)
    np.testing.assert_array_equal(out.points, [[10, 10], [800, 0], [20, 20]])
    assert warnings == ["p.json: images[1].prompts[0]: 1 point outside the 800x534 image "
                        "(points[1] = [900, -5]); moved to the image edge"]
