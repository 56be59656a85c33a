"""hetsoc.zoo API: names, errors, determinism, cache, export, describe."""

from pathlib import Path

import onnx
import pytest

from hetsoc import zoo

SYNTHETIC = ["ds-cnn", "mobilenet-v1-0.25", "resnet-8", "autoencoder"]


def test_names_list_every_network_its_mixed_variant_and_digits():
    names = zoo.names()
    for net in SYNTHETIC:
        assert net in names
    # Only conv2d goes to the CIM: the fully connected autoencoder has no mixed variant.
    assert {n for n in names if n.endswith("-mixed")} == {
        "ds-cnn-mixed", "mobilenet-v1-0.25-mixed", "resnet-8-mixed"}
    assert "digits" in names
    assert len(names) == len(set(names)) == 8


@pytest.mark.parametrize("bad", ["resnet", "", "DS-CNN", "autoencoder-mixed", "digits-mixed"])
def test_unknown_name_is_a_value_error_listing_the_choices(bad):
    for fn in (zoo.load, zoo.describe, zoo.report):
        with pytest.raises(ValueError, match=f"unknown model '{bad}': choose one of ds-cnn, "):
            fn(bad)
    with pytest.raises(ValueError, match="resnet-8-mixed"):
        zoo.export(bad, "/nonexistent/x.onnx")


@pytest.mark.parametrize("bad", [None, 3, b"ds-cnn"])
def test_name_of_wrong_type_is_a_type_error(bad):
    with pytest.raises(TypeError, match="name must be a str, not"):
        zoo.load(bad)


@pytest.mark.parametrize("name", ["ds-cnn-mixed", "autoencoder"])
def test_build_is_deterministic_and_cached_bytes_match(name, zoo_cache):
    first = zoo.build(name).SerializeToString()
    second = zoo.build(name).SerializeToString()
    assert first == second
    assert zoo.load(name).SerializeToString() == first
    cached = list((zoo_cache / "zoo").glob(f"{name}-*.onnx"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert zoo.source_digest() in cached[0].name
    # Second load comes from the cache, same bytes.
    assert zoo.load(name).SerializeToString() == first


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HETSOC_CACHE", str(tmp_path))
    assert zoo.cache_dir() == tmp_path / "zoo"
    monkeypatch.delenv("HETSOC_CACHE")
    assert zoo.cache_dir() == Path.home() / ".cache" / "hetsoc" / "zoo"


def test_export_writes_the_loaded_bytes(tmp_path):
    for name in ("resnet-8", "digits"):
        path = zoo.export(name, tmp_path / f"{name}.onnx")
        assert path.read_bytes() == zoo.load(name).SerializeToString()
        onnx.checker.check_model(str(path), full_check=True)


def test_digits_is_the_committed_file():
    committed = (zoo.HERE / "digits.onnx").read_bytes()
    assert zoo.load("digits").SerializeToString() == committed


@pytest.mark.parametrize("name", ["ds-cnn", "resnet-8-mixed", "digits"])
def test_describe_lists_layers_and_totals(name):
    text = zoo.describe(name)
    assert text.startswith(f"{name}: ")
    assert "total: " in text and " MACs, " in text
    if name.endswith("-mixed"):
        assert "ternary" in text
    if name == "ds-cnn":
        # First conv: 25x5x64 outputs, each 10x4 taps of one channel.
        assert f"{25 * 5 * 64 * 10 * 4:,}" in text
