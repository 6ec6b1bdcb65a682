import inspect
from pathlib import Path

import flatmod
import legacy
from nsdemo import tools
from shapes import introspect


def test_namespace_package():
    assert tools.slugify("Hello, World!") == "hello-world"
    assert not hasattr(__import__("nsdemo"), "__file__") or __import__("nsdemo").__file__ is None


def test_flat_module():
    assert [flatmod.clamp(x, 0, 10) for x in (-5, 5, 50)] == [0, 5, 10]


def test_getsource_is_the_original():
    text = introspect.own_source()
    assert text.startswith("def own_source():")
    assert "pytrace" not in text
    assert text in Path(introspect.__file__).read_text()
    assert "pytrace" not in inspect.getsource(flatmod)


def test_frames_look_as_without_instrumentation():
    name, caller, local_names, offset = introspect.frame_facts(1)
    assert (name, caller) == ("frame_facts", "test_frames_look_as_without_instrumentation")
    assert local_names == ["a", "b", "caller", "frame"]
    assert offset == 4
    assert introspect.signature_text(introspect.frame_facts) == "(a, b=2)"
    assert introspect.frame_facts.__code__.co_varnames[:2] == ("a", "b")


def test_module_imported_before_the_hook_still_works():
    assert legacy.old_style(1) == 2
    ledger = legacy.Ledger()
    assert ledger.add(3) == 3 and ledger.add(4) == 7 and ledger.total == 7
    assert legacy.Ledger.zero() == 0
    assert legacy.cached_square(5) == 25 and legacy.cached_square(5) == 25
