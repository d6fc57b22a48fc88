"""Image listing and decoding: odd but valid images become 8-bit RGB; bad files
raise InputError naming the file."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from samcli.errors import InputError
from samcli.io.images import decode_image, list_images


def test_grayscale_rgba_palette_become_rgb(tmp_path):
    gray = np.tile(np.arange(40, dtype=np.uint8), (30, 1))
    Image.fromarray(gray).save(tmp_path / "g.png")
    rgba = np.zeros((30, 40, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 10  # nearly transparent red: alpha is dropped, colour kept
    Image.fromarray(rgba).save(tmp_path / "a.png")
    Image.fromarray(gray).convert("P").save(tmp_path / "p.png")
    g, a, p = (decode_image(tmp_path / n) for n in ("g.png", "a.png", "p.png"))
    for img in (g, a, p):
        assert img.shape == (30, 40, 3) and img.dtype == np.uint8
    assert (g[..., 0] == gray).all() and (g[..., 2] == gray).all()
    assert (a[..., 0] == 200).all() and (a[..., 1] == 0).all()


def test_16bit_png_is_rescaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 50).astype(np.uint16).reshape(5, 10)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    img = decode_image(tmp_path / "deep.png")
    assert img.dtype == np.uint8 and img.shape == (5, 10, 3)
    assert img[0, 0, 0] == 0 and img[-1, -1, 0] == 255
    assert np.all(np.diff(img[..., 0].ravel().astype(int)) >= 0)  # monotonic: no clipping at 255


def test_exif_rotation_is_applied(tmp_path):
    pixels = np.zeros((20, 60, 3), np.uint8)
    pixels[:, :10] = 255  # white stripe on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    Image.fromarray(pixels).save(tmp_path / "r.jpg", exif=exif.tobytes(), quality=95)
    img = decode_image(tmp_path / "r.jpg")
    assert img.shape[:2] == (60, 20)  # displayed orientation: portrait
    assert img[:10].mean() > 200 and img[-10:].mean() < 50  # stripe now on top


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 20])
def test_bad_files_raise_input_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(InputError, match="bad.jpg"):
        decode_image(path)


def test_truncated_jpeg_is_an_input_error(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(InputError, match="cut.jpg"):
        decode_image(tmp_path / "cut.jpg")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.png"):
        decode_image(tmp_path / "nope.png")


def test_list_images_folder_file_listfile_stdin(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.jpg", "a.PNG", "sub/c.jpeg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    refs = list_images(tmp_path)
    assert [r.key for r in refs] == ["a.PNG", "b.jpg", "sub/c.jpeg"]
    assert [r.key for r in list_images(tmp_path / "b.jpg")] == ["b.jpg"]
    listing = tmp_path / "list.txt"
    listing.write_text(f"# comment\n{tmp_path / 'b.jpg'}\n\n{tmp_path / 'sub/c.jpeg'}\n")
    listed = list_images(listing)
    assert [r.path for r in listed] == [tmp_path / "b.jpg", tmp_path / "sub/c.jpeg"]
    assert [r.key for r in listed] == ["b.jpg", "sub/c.jpeg"]  # as for the folder itself
    assert [r.key for r in list_images("-", stdin=["d/x/1.jpg\n", "d/2.png\n"])] == ["x/1.jpg", "2.png"]
    with pytest.raises(InputError, match="empty"):
        list_images("-", stdin=["\n"])
    with pytest.raises(InputError, match="missing"):
        list_images(tmp_path / "missing")
