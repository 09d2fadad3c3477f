"""Save-to-diagnostics latency of `leaklint server` on a large package, measured over stdio with
pygls' client: the time from didSave to the publishDiagnostics that answers it.

    python bench/lsp_latency.py [PACKAGE_DIR] [--file NAME] [--saves N]

PACKAGE_DIR (default: Go's net/http, /usr/lib/go-1.19/src/net/http) is copied to a temporary
directory so it can be edited; an edit appends a comment line to FILE. Prints figures; asserts
nothing (timings on a shared machine are noisy). Not run by the tests.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

REPO = Path(__file__).resolve().parent.parent


async def measure(folder: Path, name: str, saves: int, cache: Path) -> dict[str, list[float]]:
    client = BaseLanguageClient("bench", "0")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    env = {**os.environ, "PYTHONPATH": str(REPO), "LEAKLINT_CACHE_DIR": str(cache)}
    await client.start_io(sys.executable, "-m", "leaklint_gopy", "server", env=env, cwd=str(folder))
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    path = folder / name
    uri = from_fs_path(str(path))
    figures: dict[str, list[float]] = {"open (cold cache)": [], "save, unchanged": [], "save after an edit": []}
    cpus: dict[str, list[float]] = {}

    pid = client._server.pid

    async def answer(label: str, send) -> None:
        cpu, start = _cpu(pid), time.perf_counter()
        send()
        await published.get()
        figures[label].append(time.perf_counter() - start)
        cpus.setdefault(label, []).append(_cpu(pid) - cpu)

    await answer("open (cold cache)", lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="go", version=1, text=path.read_text()))))
    save = lambda: client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    for _ in range(saves):
        await answer("save, unchanged", save)
    for i in range(saves):
        with path.open("a") as handle:
            handle.write(f"\n// edit {i}\n")
        await answer("save after an edit", save)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return figures, cpus


def _cpu(pid: int) -> float:
    """Returns the CPU seconds (user + system) process `pid` has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default="/usr/lib/go-1.19/src/net/http")
    parser.add_argument("--file", default="transport.go")
    parser.add_argument("--saves", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pkg"
        folder.mkdir()
        for source in Path(args.package).glob("*.go"):
            shutil.copy(source, folder / source.name)
        files = len(list(folder.glob("*.go")))
        figures, cpus = asyncio.run(measure(folder, args.file, args.saves, Path(tmp) / "cache"))
    print(f"{args.package}: {files} files, saving {args.file}; seconds from notification to diagnostics "
          f"(wall) and the server's CPU seconds for it (load average {os.getloadavg()[0]:.1f})")
    for label, values in figures.items():
        print(f"  {label:20} wall median {statistics.median(values):.3f}  min {min(values):.3f}  max {max(values):.3f}"
              f"  cpu median {statistics.median(cpus[label]):.3f}  (n={len(values)})")


if __name__ == "__main__":
    main()
