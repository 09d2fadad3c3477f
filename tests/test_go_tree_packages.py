"""Which callees belong to a package of the analysed tree (PackageTypes.in_tree): a call into one
carries the notes its summary reads (`nonnil`, `fields`), whatever the package path looks like."""
from __future__ import annotations

from leaklint_gopy.frontends.go.typeinfo import PackageTypes


def test_a_tree_package_whose_last_element_has_a_dot_is_in_the_tree() -> None:
    package = PackageTypes("example.com/app", {"yaml": "gopkg.in/yaml.v3"})
    assert package.in_tree("gopkg.in/yaml.v3.Unmarshal")
    assert package.in_tree("gopkg.in/yaml.v3.Decoder.Decode")
    assert not package.in_tree("gopkg.in/yaml.Unmarshal")


def test_a_package_path_without_a_dot_is_matched_whole() -> None:
    package = PackageTypes("app", {"util": "app/util"})
    assert package.in_tree("app.Call")
    assert package.in_tree("app/util.Client.Do")
    assert not package.in_tree("ap.Call")
    assert not package.in_tree("appx")  # no dot: nothing is cut off
    assert not package.in_tree("app/utils.Call")
