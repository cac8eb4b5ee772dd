"""A store on disk that hands back only bytes this user wrote: key -> verified bytes, or nothing.

The cache directory is not private: a CI cache restored from another branch, a
shared or world-writable `XDG_CACHE_HOME`, a container layer can all put files
there. So every entry is signed with an HMAC whose key is this user's secret,
kept outside the cache (`$XDG_STATE_HOME/cellrules/cache-key`, mode 0600), and an
entry is returned only when its signature verifies: a planted, foreign, damaged
or truncated entry is never used, only rebuilt (with a note under -v). The bytes
are then the caller's business: the rule-set cache unpickles what it signed
itself, a result cache can store JSON.

The store refuses places it cannot trust: a directory another user owns or that
group or others may write, a key file others can read, a relative XDG path (the
XDG spec says to ignore one), a HOME that does not exist (it is never created).
Nothing is ever opened blocking (a FIFO at an entry's path is damage like any
other), and the store keeps itself under a size cap by evicting the entries used
least recently.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path

from cellrules.fileio import NotRegularFile, file_kind, read_regular, replace_file
from cellrules.notes import NOTES

_MAGIC = b"cellrules-store 1\n"
_DIGEST = hashlib.sha256().digest_size
KEY_BYTES = 32
MAX_BYTES = 64 * 1024 * 1024       # the whole store; about 70 rule-set versions
MAX_ENTRY = 16 * 1024 * 1024       # one entry; a larger file is not ours
_SUFFIX = ".entry"


class Store:
    """Signed entries in `folder/NAMESPACE/KEY.entry`; `secret` signs and verifies them.

    With `shards`, in `folder/NAMESPACE/KE/KEY.entry` (the key's first two characters): a store of
    one entry per checked file holds 100,000s of them, and creating a file in a directory that
    large cost four times as much (96 vs 25 us here at 100,000 entries).
    """

    def __init__(self, folder: Path, secret: bytes, max_bytes: int = MAX_BYTES, uid: int | None = None, notes=NOTES,
                 shards: bool = False):
        self.folder = Path(folder)
        self.shards = shards
        self._secret = secret
        self.max_bytes = max_bytes
        self._uid = os.getuid() if uid is None else uid
        self._notes = notes
        self._trusted: set = set()          # folders (as strings) found private
        self._folders: dict[tuple, str] = {}   # (namespace, shard) -> its folder
        self._unswept: int | None = None   # bytes written since the last eviction sweep; None: none yet

    def get(self, namespace: str, key: str) -> bytes | None:
        """The bytes stored under (namespace, key), or None when absent, damaged, foreign or untrusted."""
        path = self._path(namespace, key)
        if not self._trust(namespace, self._folder(namespace, key), create=False):
            return None
        try:
            raw = read_regular(path, MAX_ENTRY, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except NotRegularFile as error:
            return self._reject(path, f"{error.kind}, not a cache entry")
        except OSError as error:
            return self._reject(path, f"unreadable ({error.strerror or error})")
        header = len(_MAGIC) + _DIGEST
        if len(raw) > MAX_ENTRY:
            return self._reject(path, "larger than any entry cellrules writes")
        if len(raw) < header or not raw.startswith(_MAGIC):
            return self._reject(path, "not in the store's format (damaged or written by another program)")
        data = raw[header:]
        if not hmac.compare_digest(raw[len(_MAGIC):header], self._sign(namespace, key, data)):
            return self._reject(path, "its signature does not verify (damaged, or not written by this user)")
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        return data

    def put(self, namespace: str, key: str, data: bytes) -> None:
        """Store `data`; a store that cannot be written only costs speed, so a failure is a note, not an error."""
        path = self._path(namespace, key)
        if not self._trust(namespace, self._folder(namespace, key), create=True):
            return
        try:
            replace_file(Path(path), _MAGIC + self._sign(namespace, key, data) + data, 0o600)
        except OSError as error:
            self._notes.detail(f"cache entry not written: {error.strerror or error}", str(path))
            return
        # A sweep lists every entry: once per process, then after each eighth of the cap written.
        if self._unswept is not None:
            self._unswept += len(data)
        if self._unswept is None or self._unswept > self.max_bytes // 8:
            self._evict(keep=Path(path))
            self._unswept = 0

    def reject(self, namespace: str, key: str, reason: str) -> None:
        """A verified entry the caller cannot use (say, an old format): noted, and rebuilt by the caller."""
        self._reject(self._path(namespace, key), reason)

    # -- internals -----------------------------------------------------------
    def _path(self, namespace: str, key: str) -> str:
        if not (namespace.isidentifier() and key.isalnum()):
            raise ValueError(f"bad store key {namespace!r}/{key!r}")  # keys are hex digests: a bug otherwise
        # A string, not a Path: a result cache looks up one entry per checked file.
        return os.path.join(self._folder(namespace, key), f"{key}{_SUFFIX}")

    def _folder(self, namespace: str, key: str = "") -> str:
        shard = key[:2] if self.shards else ""
        folder = self._folders.get((namespace, shard))
        if folder is None:
            folder = self._folders[(namespace, shard)] = str(self.folder / namespace / shard if shard
                                                             else self.folder / namespace)
        return folder

    def _sign(self, namespace: str, key: str, data: bytes) -> bytes:
        # The name is signed with the data: a valid entry copied under another key does not verify.
        return hmac.new(self._secret, f"{namespace}/{key}\0".encode() + data, hashlib.sha256).digest()

    def _reject(self, path: Path, reason: str) -> None:
        self._notes.detail(f"cache entry ignored and rebuilt: {reason}", str(path))
        return None

    def _trust(self, namespace: str, folder: str, create: bool) -> bool:
        """The store folder, the namespace's and `folder` inside it exist (or are made, mode 0700), are ours and only
        ours to write."""
        if folder in self._trusted:
            return True
        for directory in dict.fromkeys((str(self.folder), self._folder(namespace), folder)):
            if directory in self._trusted:
                continue
            problem = private_directory(directory, self._uid, create)
            if problem == "missing":
                return False
            if problem:
                self._notes.detail(f"cache not used: the directory {problem}", str(directory))
                return False
            self._trusted.add(directory)
        return True

    def _evict(self, keep: Path) -> None:
        """Delete the least recently used entries until the store is under its cap.

        Unsigned pickles of cellrules 0.1.0 (`ruleset-*.pickle`, `parsed/*.pickle`) are never read again
        and go first.
        """
        for legacy in (*self.folder.glob("ruleset-*.pickle"), *self.folder.glob("parsed/*.pickle")):
            with contextlib.suppress(OSError):
                legacy.unlink()
        entries = []
        for path in self.folder.glob(f"*/*/*{_SUFFIX}" if self.shards else f"*/*{_SUFFIX}"):
            with contextlib.suppress(OSError):
                info = path.lstat()
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                self._notes.detail("cache entry evicted (the cache is over its size limit)", str(path))


def private_directory(path: Path, uid: int, create: bool) -> str:
    """'' when `path` is a directory owned by `uid` that group and others cannot write; else what is wrong.

    With `create`, a missing directory is made with mode 0700 (its parents too, but
    never a missing HOME: the caller passes a base that exists). "missing" when it
    does not exist and is not to be made.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not create:
            return "missing"
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            info = os.stat(path)
        except OSError as error:
            return f"cannot be created ({error.strerror or error})"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if not stat.S_ISDIR(info.st_mode):
        return f"is {file_kind(info.st_mode)}, not a directory"
    if info.st_uid != uid:
        return f"is owned by user {info.st_uid}, not by this user ({uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"may be written by {'others' if info.st_mode & stat.S_IWOTH else 'its group'} (mode {stat.filemode(info.st_mode)})"
    return ""


# ---------------------------------------------------------------- where the store lives

def xdg_base(variable: str, fallback: str, environ=None) -> Path | None:
    """An XDG base directory: the variable when it is an absolute path, else HOME/fallback when HOME exists.

    A relative value is ignored, as the XDG spec says. None when there is no HOME to
    put it under (a nonexistent HOME is never created).
    """
    environ = os.environ if environ is None else environ
    value = environ.get(variable, "")
    if os.path.isabs(value):
        return Path(value)
    home = environ.get("HOME") or os.path.expanduser("~")
    if not os.path.isabs(home) or not os.path.isdir(home):
        return None
    return Path(home, fallback)


def secret_key(folder: Path, uid: int | None = None, notes=NOTES) -> bytes | None:
    """This user's signing key in `folder/cache-key`, made on first use; None when it cannot be kept private."""
    uid = os.getuid() if uid is None else uid
    problem = private_directory(folder, uid, create=True)
    if problem:
        notes.detail(f"cache not used: the key directory {problem}", str(folder))
        return None
    path = folder / "cache-key"
    for _ in range(3):
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            _new_key(path)
            continue
        except OSError as error:
            notes.detail(f"cache not used: the key cannot be read ({error.strerror or error})", str(path))
            return None
        try:
            info = os.fstat(descriptor)
            if stat.S_ISREG(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077:
                key = os.read(descriptor, KEY_BYTES + 1)
                if len(key) == KEY_BYTES:
                    return key
        finally:
            os.close(descriptor)
        # Readable by others, owned by someone else, or the wrong size: whoever could read or write it could
        # forge entries, so it is replaced by a new key (the old entries then fail to verify and are rebuilt).
        notes.detail("cache key replaced: it was not a private key of this user", str(path))
        with contextlib.suppress(OSError):
            os.unlink(path)
    return None


def _new_key(path: Path) -> None:
    """Create the key atomically: written under a temp name, then linked, so no reader sees a partial key
    and two processes starting at once agree on one key."""
    import secrets  # only when a key is made: a warm start reads it

    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    except OSError:
        pass  # the caller's next attempt reports what is wrong
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def open_store(name: str = "cellrules", environ=None, notes=NOTES, folder: str = "",
               max_bytes: int = MAX_BYTES, shards: bool = False) -> Store | None:
    """The user's store, or None when caching is off (CELLRULES_NO_CACHE) or there is no safe place for it.

    `folder`: another store under the cache directory, signed with the same key and capped on its own.
    """
    environ = os.environ if environ is None else environ
    if environ.get("CELLRULES_NO_CACHE"):
        return None
    cache, state = xdg_base("XDG_CACHE_HOME", ".cache", environ), xdg_base("XDG_STATE_HOME", ".local/state", environ)
    if cache is None or state is None:
        notes.detail("cache not used: no cache directory (HOME does not exist and XDG_CACHE_HOME is not an absolute path)")
        return None
    secret = secret_key(state / name, notes=notes)
    return None if secret is None else Store(cache / (folder or name), secret, max_bytes, notes=notes, shards=shards)
