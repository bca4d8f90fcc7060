"""The file channel: each digest written as an HTML and a text file in a folder."""
from __future__ import annotations

import os
from pathlib import Path

from monitor.render import RenderedDigest


class FileNotifier:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: RenderedDigest, stem: str) -> str:
        """Write `stem`.html and `stem`.txt atomically; return the HTML file's path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _write(self.folder / f"{stem}.txt", message.text)
        html = self.folder / f"{stem}.html"
        _write(html, message.html)
        return str(html)


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
