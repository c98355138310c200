"""ZIP archives streamed as they are written, for downloads of thousands of files.

zipfile writes into a small non-seekable buffer that the generator empties after every
chunk, so memory holds one read chunk and the archive's directory entries, never the files.
Entries are STORED (PDFs are compressed already); as the buffer cannot seek, each entry's
sizes and CRC follow its data in a data descriptor, which every common unzip tool reads.
"""

import datetime
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import timezone

logger = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
# Hand bytes to the server once this much is buffered (small files share a chunk).
FLUSH_SIZE = 64 * 1024
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP entry can carry
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class ZipEntry:
    """One file of the archive: its name inside it, and how to open it when its turn comes."""

    name: str
    open: Callable[[], BinaryIO]
    modified: datetime.datetime | None = None


def zip_name(*parts: str) -> str:
    """A path inside the archive from parts that may hold anything a person typed."""
    cleaned = []
    for part in parts:
        part = _UNSAFE.sub("_", part).strip().lstrip(".").strip()
        cleaned.append(part or "_")
    return "/".join(cleaned)


class _Drain:
    """Write-only and not seekable (no tell()), so zipfile streams: nothing is rewritten."""

    def __init__(self):
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def _date_time(moment: datetime.datetime | None) -> tuple[int, ...]:
    if moment is None:
        moment = timezone.now()
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return max(tuple(moment.timetuple()[:6]), _EPOCH)


def zip_stream(entries: Iterable[ZipEntry], *, read_size: int = READ_SIZE) -> Iterator[bytes]:
    """The bytes of a ZIP of `entries`, produced while the entries are read.

    An entry whose file is missing is left out (and logged) rather than breaking a
    download of thousands; names are UTF-8 (zipfile sets the flag for non-ASCII names).
    """
    sink = _Drain()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for entry in entries:
            try:
                source = entry.open()
            except FileNotFoundError:
                logger.warning("zip_stream: %s is missing, left out", entry.name)
                continue
            info = zipfile.ZipInfo(entry.name, date_time=_date_time(entry.modified))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with source, archive.open(info, mode="w") as target:
                while chunk := source.read(read_size):
                    target.write(chunk)
                    if sink.size >= FLUSH_SIZE:
                        yield sink.take()
    # The central directory, written when the archive closes.
    if sink.size:
        yield sink.take()
