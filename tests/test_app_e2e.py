"""The app as programs see it: a real server on a free local port, called
through ``gradio_client`` exactly as README shows, with a sample and with
bad inputs (after which the server must still answer good requests)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from tests
gr = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file
from local_server import launch_weight_free_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PHOTO, TRIMAP = EXAMPLES / "chelsea.jpg", EXAMPLES / "chelsea_trimap.png"


@pytest.fixture(scope="module")
def small_photo(tmp_path_factory) -> Path:
    """A 150x100 photo of an orange ellipse (centre 75, 50) on a noisy blue
    backdrop: a subject with a known outline that /auto segments in a moment."""
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[0:100, 0:150]
    photo = np.empty((100, 150, 3), np.float32)
    photo[:] = (40, 70, 150)
    photo += rng.normal(0, 12, photo.shape)
    inside = ((xx - 75) / 40.0) ** 2 + ((yy - 50) / 28.0) ** 2 <= 1
    photo[inside] = np.array((230, 140, 40)) + rng.normal(0, 12, (int(inside.sum()), 3))
    path = tmp_path_factory.mktemp("auto") / "ellipse.png"
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def client():
    demo = launch_weight_free_app()
    try:
        yield Client(demo.local_url, verbose=False)
    finally:
        demo.close()


def test_matte_returns_grey_alpha_and_rgba_cutout_the_size_of_the_photo(client):
    alpha_path, cutout_path, fg_path, bg_path, details = client.predict(
        handle_file(str(PHOTO)), handle_file(str(TRIMAP)), "auto", api_name="/matte"
    )
    photo = Image.open(PHOTO)
    trimap = np.asarray(Image.open(TRIMAP))
    alpha, cutout = Image.open(alpha_path), Image.open(cutout_path)
    assert alpha.format == "PNG" and alpha.mode == "L" and alpha.size == photo.size
    assert cutout.format == "PNG" and cutout.mode == "RGBA" and cutout.size == photo.size
    values = np.asarray(alpha)
    assert np.all(values[trimap == 255] == 255) and np.all(values[trimap == 0] == 0)
    unknown = values[trimap == 128]
    assert 0 < unknown.mean() < 255 and len(np.unique(unknown)) > 10  # soft edges, not a cut
    assert Image.open(fg_path).size == photo.size and Image.open(bg_path).mode == "RGB"
    assert details["engine"] == "classical"


def test_trimap_endpoint_builds_a_three_level_trimap(client, tmp_path):
    mask = np.asarray(Image.open(TRIMAP)) == 255
    mask_path = tmp_path / "mask.png"
    Image.fromarray((mask * 255).astype(np.uint8)).save(mask_path)
    trimap_path = client.predict(handle_file(str(PHOTO)), handle_file(str(mask_path)), 6, api_name="/trimap")
    trimap = Image.open(trimap_path)
    assert trimap.mode == "L" and trimap.size == Image.open(PHOTO).size
    assert set(np.unique(np.asarray(trimap))) == {0, 128, 255}


def test_bad_requests_get_named_errors_and_the_server_keeps_serving(client, tmp_path):
    not_image = tmp_path / "notes.png"
    not_image.write_text("plain text")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(PHOTO.read_bytes()[:4000])
    small = tmp_path / "small_trimap.png"
    Image.fromarray(np.full((20, 30), 128, np.uint8)).save(small)
    bad_calls = [
        ((handle_file(str(not_image)), handle_file(str(TRIMAP)), "auto"), "/matte", "not an image file"),
        ((handle_file(str(truncated)), handle_file(str(TRIMAP)), "auto"), "/matte", "truncated or corrupt"),
        ((handle_file(str(PHOTO)), handle_file(str(small)), "auto"), "/matte", "same size"),
        ((handle_file(str(PHOTO)), handle_file(str(TRIMAP)), "samplenet"), "/matte", "not available"),
        ((handle_file(str(PHOTO)), handle_file(str(small)), 5), "/trimap", "the mask is 30x20"),
        ((handle_file(str(PHOTO)), handle_file(str(TRIMAP)), 0), "/trimap", "between 1 and"),
    ]
    for args, endpoint, message in bad_calls:
        with pytest.raises(Exception, match=message) as caught:
            client.predict(*args, api_name=endpoint)
        assert "/tmp/" not in str(caught.value)  # server folders are not shown to callers
    alpha_path, *_ = client.predict(
        handle_file(str(PHOTO)), handle_file(str(TRIMAP)), "classical", api_name="/matte"
    )
    assert Image.open(alpha_path).size == Image.open(PHOTO).size


def test_page_config_has_the_three_trimap_tabs_and_the_notice(client):
    config = client.config
    labels = {c.get("props", {}).get("label") for c in config["components"]}
    assert {"Sketch", "Auto", "Upload"} <= labels
    assert {"Alpha matte", "Before / after", "Composite"} <= labels
    texts = " ".join(str(c.get("props", {}).get("value", "")) for c in config["components"])
    assert "weight-free" in texts


# ------------------------------------------------------------------ what API callers read


def test_auto_band_default_is_the_page_default_chosen_from_the_photo(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    band = {p["parameter_name"]: p for p in endpoints["/auto"]["parameters"]}["band_width"]
    slider = [c["props"] for c in client.config["components"]
              if c.get("props", {}).get("label", "").startswith("Unknown band")]
    assert band["parameter_default"] == slider[0]["value"] == 0
    assert "0 = from the photo" in slider[0]["label"] and "0 = chosen" in band["python_type"]["description"]
    trimap_band = {p["parameter_name"]: p for p in endpoints["/trimap"]["parameters"]}["band_width"]
    assert trimap_band["parameter_default"] == 12  # a mask has no photo to choose from


# ------------------------------------------------------------------ /auto: box and clicks -> cut-out


def test_auto_cuts_out_from_a_box_and_a_click_and_names_the_segmenter(client, small_photo):
    trimap_path, alpha_path, cutout_path, details = client.predict(
        handle_file(str(small_photo)), [28, 16, 122, 84], [[75, 50, 1], [5, 7, 0]], 0, "auto", api_name="/auto"
    )
    with Image.open(trimap_path) as trimap, Image.open(alpha_path) as alpha, Image.open(cutout_path) as cutout:
        assert trimap.mode == "L" and alpha.mode == "L" and cutout.mode == "RGBA"
        assert trimap.size == alpha.size == cutout.size == (150, 100)
        levels = set(np.unique(np.asarray(trimap)).tolist())
        alpha_values = np.asarray(alpha)
    assert levels == {0, 128, 255}
    assert alpha_values[50, 75] > 200 and alpha_values[7, 5] < 50  # the clicks' pixels: subject, background
    assert alpha_values[:, :25].mean() < 10 and alpha_values[40:60, 50:100].mean() > 240
    assert details["segmenter"] == "classical" and "SAMPLENET_SEGMENTER" in details["segmenter_note"]
    assert details["band_width"] == "adaptive" and details["engine"] == "classical"


def test_auto_with_clicks_only_and_a_fixed_band(client, small_photo):
    trimap_path, *_, details = client.predict(
        handle_file(str(small_photo)), None, [[75, 50]], 4, "classical", api_name="/auto"
    )
    assert details["band_width"] == 4
    with Image.open(trimap_path) as trimap:
        assert np.asarray(trimap)[50, 75] == 255


@pytest.mark.parametrize(
    "box, points, message",
    [
        ([160, 110, 200, 150], None, "outside the 150x100 photo"),
        ([28, 16, 70, 50], [[100, 80, 1]], "outside the box"),
        (None, [[75, 50, 1], [75, 50, 0]], "both as subject and as background"),
        (None, None, "Give a box"),
        (None, [[230]], "must be \\[x, y\\]"),
    ],
    ids=["box outside", "click outside box", "same point both", "no prompt", "bad point"],
)
def test_auto_bad_prompts_get_a_one_line_error_and_the_server_keeps_serving(client, small_photo, box, points,
                                                                           message):
    with pytest.raises(Exception, match=message) as caught:
        client.predict(handle_file(str(small_photo)), box, points, 0, "auto", api_name="/auto")
    assert "\n" not in str(caught.value).strip()
    *_, details = client.predict(handle_file(str(small_photo)), [28, 16, 122, 84], None, 8, "auto",
                                 api_name="/auto")
    assert details["segmenter"] == "classical"


def test_refusing_samplenet_reads_as_plain_text(client):
    with pytest.raises(Exception, match="not available") as caught:
        client.predict(handle_file(str(PHOTO)), handle_file(str(TRIMAP)), "samplenet", api_name="/matte")
    message = str(caught.value)
    assert "&lt;" not in message and "&gt;" not in message and "SAMPLENET_WEIGHTS" in message


def test_use_via_api_shows_a_photo_and_trimap_example_and_describes_each_parameter(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    matte = {p["parameter_name"]: p for p in endpoints["/matte"]["parameters"]}
    assert matte["image"]["example_input"]["path"] == "examples/lemur.png"
    assert [p["label"] for p in endpoints["/matte"]["parameters"]] == ["image", "trimap", "engine"]
    assert matte["trimap"]["example_input"]["path"] == "examples/lemur_trimap.png"
    assert "unknown" in matte["trimap"]["python_type"]["description"]
    assert "classical" in matte["engine"]["python_type"]["description"]
    trimap = {p["parameter_name"]: p for p in endpoints["/trimap"]["parameters"]}
    assert "band" in trimap["band_width"]["python_type"]["description"]
    auto = {p["parameter_name"]: p for p in endpoints["/auto"]["parameters"]}
    assert list(auto) == ["image", "box", "points", "band_width", "engine"]
    assert auto["image"]["example_input"]["path"] == "examples/lemur.png"
    assert "x0, y0, x1, y1" in auto["box"]["python_type"]["description"]
    assert all(p["python_type"]["description"] for p in auto.values())
    assert all(p["python_type"]["description"] for p in trimap.values())
    assert "sample_file.pdf" not in str(endpoints)


def _raw_call(client, data: list) -> dict:
    """POST a call as plain HTTP (no gradio_client) and read its event stream's error."""
    base = client.src.rstrip("/")
    event = httpx.post(f"{base}/gradio_api/call/matte", json={"data": data}).json()
    stream = httpx.get(f"{base}/gradio_api/call/matte/{event['event_id']}", timeout=30).text
    assert "event: error" in stream
    return json.loads(stream.split("data:", 1)[1].strip().splitlines()[0])


def test_malformed_raw_http_calls_get_a_reason_not_null(client):
    photo = handle_file(str(PHOTO))  # a path on the caller's machine, never uploaded
    not_uploaded = _raw_call(client, [photo, photo, "auto"])["error"]
    assert "not uploaded" in not_uploaded and "\n" not in not_uploaded
    wrong_type = _raw_call(client, [7, 7, "auto"])["error"]
    assert "image" in wrong_type and "not int" in wrong_type and "\n" not in wrong_type
    # too few values: Gradio's own check answers before ours; its first line says what is wrong
    too_few = _raw_call(client, [photo])["error"]
    assert "needed: 3, got: 1" in too_few.splitlines()[0]
