"""primaryLocationLineHash: codeql-action's own test vectors, and agreement with the reference port."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from leaklint_gopy.line_hash import hashes_at, line_hashes

REPO = Path(__file__).resolve().parent.parent
REFERENCE = next((p for p in (REPO.parent / "shared" / "sarif" / "line_hash.py", Path("/work/shared/sarif/line_hash.py"))
                  if p.is_file()), None)

# github/codeql-action src/fingerprints.test.ts
VECTORS = {
    "": ["c129715d7a2bc9a3:1"],
    " a\nb\n  \t\tc\n d": ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End": [
        "8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1",
        "b86d3392aea1be30:1", "e6ceba753e1a442:1"],
    " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r": [
        "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
        "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"],
    " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n": [
        "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
        "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"],
    "Lorem ipsum dolor sit amet.\n" * 10: [
        "a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3", "a7f2ff13bc495cf2:4",
        "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6", "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1",
        "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"],
    "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n": [
        "e54938cc54b302f1:1", "bb609acbe9138d60:1", "1131fd5871777f34:1", "5c482a0f8b35ea28:1",
        "54517377da7028d2:1", "2c644846cb18d53e:1", "f1b89f20de0d133:1", "c129715d7a2bc9a3:1"],
}


@pytest.mark.parametrize("text", list(VECTORS), ids=range(len(VECTORS)))
def test_upload_action_vectors(text):
    assert line_hashes(text) == VECTORS[text]


@pytest.mark.skipif(REFERENCE is None, reason="shared/sarif/line_hash.py is not beside the checkout")
def test_agrees_with_the_reference_port_on_random_text():
    spec = importlib.util.spec_from_file_location("reference_line_hash", REFERENCE)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    assert reference.line_hashes("") == VECTORS[""]
    rng = random.Random(4)
    alphabet = "ab \t\r\n\u00e9\u4e2d\U0001F600;{}"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        assert line_hashes(text) == reference.line_hashes(text), repr(text)


def test_one_hash_per_line_counting_repeats():
    hashes = line_hashes("a\nb\na\nb\n")
    assert len(hashes) == 5
    assert [h.split(":")[1] for h in hashes] == ["1", "1", "1", "1", "1"]
    window = line_hashes("same\n" * 150)
    assert window[0].split(":")[1] == "1" and window[1].split(":")[1] == "2"


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = ["a", "b", " ", "\t", "\r", "\n", "\r\n", "\u00e9", "\u4e2d", "\U0001F600", ";", "{", "\0", "\uffff"]
    texts = ["", "\n", "same\n" * 150, "x\r\n" * 120, "a" * 250 + "\n" + "a" * 250]
    for _ in range(count):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))))
    return texts


def test_hashing_only_the_asked_lines_agrees_with_hashing_every_line():
    for text in [*VECTORS, *_random_texts(7, 300)]:
        every = line_hashes(text)
        wanted = list(range(0, len(every) + 3))
        assert hashes_at(text, wanted) == {n: every[n - 1] for n in wanted if 0 < n <= len(every)}, repr(text)


def test_hashing_real_source_files_agrees_with_hashing_every_line():
    for path in sorted((REPO / "leaklint_gopy" / "report").glob("*.py"))[:4]:
        text = path.read_text(encoding="utf-8")
        every = line_hashes(text)
        assert hashes_at(text, range(1, len(every) + 1)) == dict(enumerate(every, 1)), path
