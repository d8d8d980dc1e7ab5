"""The one module for ISO 24138 (ISCC) content codes: what a file *looks and sounds like*, not its bytes.

:func:`content_codes` gives a file's ISCC units: a Content-Code (video, audio or image), a Data-Code
(similarity of the bytes), an Instance-Code (identity of the bytes) and the composite ISCC-CODE.
:func:`distance` is the Hamming distance between two units of the same type, and :func:`compare`
says whether (and how) two files match: ``identical`` bytes, near-identical ``content``, or
near-identical ``data``.

The codes are computed by ``iscc-core`` (the reference algorithms) from features that the system's
own ``ffmpeg`` extracts, as ISO 24138 prescribes them:

* video: MPEG-7 frame signatures (ffmpeg's ``signature`` filter, 5 frames a second, each frame first
  normalised: :data:`VIDEO_NORMALISE`) -> WTA-hash;
* audio: a Chromaprint fingerprint (ffmpeg's ``chromaprint`` muxer, mono) -> simhash, 256 bits (see below);
* image: 32x32 grey pixels (ffmpeg, bicubic) -> DCT hash.

Nothing is downloaded at run time: ``ffmpeg``/``ffprobe`` come from the system (Debian ``ffmpeg``;
``COPYRIGHT_HUB_FFMPEG`` names another binary). A file ffmpeg cannot read as media still gets its
Data- and Instance-Code (kind ``other``) and a ``note`` saying why it has no Content-Code; callers that
need media (``copyright-hub similar``, backfill) pass ``media=True`` and get a :class:`MediaError`.

**Audio codes are 256 bits, verified over their full length** (issue 15 item 3). At 64 bits unrelated
stationary noise tracks collided: their Chromaprint simhash is set by the noise colour's per-bit bias,
not by the recording, so 16 of 315 unrelated audio pairs in ``benchmarks/similar.py`` were within 7 bits
(5.1 % false positives; nearest pair 2 bits apart). An audio Content-Code is therefore computed with
:data:`AUDIO_BITS` (the whole-track simhash, its four quarters and its three sorted thirds, iscc-core's
``gen_audio_code_v0(bits=256)``). Its first 64 bits are exactly the 64-bit code (the same ISCC-CODE, the
same four 16-bit bands for the index's candidate lookup, the same ``distance`` reported); a pair of
256-bit audio units within ``max_distance`` of 64 bits is then *confirmed* only when the full 256 bits are
within :data:`AUDIO_MAX_FULL_DISTANCE` (:func:`confirms`). A pair where either side is a 64-bit audio
unit (older documents, or an ISCC-CODE, whose units are 64-bit) is judged on the 64 bits alone, as before.

**Steady tones are low-information** (issue 15): Chromaprint turns a sine, a chord or a tremolo into one
32-bit frame over and over, and two such tones are often one or two frame bits apart (8-16 of 256), so
with the rule above alone 28 of 1,771 unrelated pairs (1.58 %) matched, every one between two of four
steady tones. How much a fingerprint changes is read from the 256-bit code itself
(:attr:`Unit.variation`: the bits in which its quarter and sorted-third hashes differ from its
whole-track hash; a steady tone's eight parts are one value, 0), so every stored code has it, and no
flag in a document can disagree with its code. A pair where either side is low-information
(:data:`AUDIO_LOW_VARIATION`) is confirmed only within :data:`AUDIO_LOW_INFO_MAX_FULL_DISTANCE` of 256
bits: less than one frame bit. Measured on the reproducible corpus of 23 tracks (``benchmarks/similar.py``,
``robustness.audio_low_information``): unrelated pairs 1.58 % -> 0 %, re-encode recall 1.0 and halved
loudness 0.96 as before (against 3.78 % false positives on the first 64 bits alone); the cost is trimmed
audio (2 s cut from 8 s: recall 0.48 on 64 bits, 0.30 over 256, 0.26 with this rule: a trimmed chord
moves 9 bits), and a tone made louder until it clips (two of six test tones moved 6 and 9 bits).

**Video frames are normalised before their signature** (issue 15, :data:`CODE_METHOD` 2): black bars
are found over the whole video and cropped (:data:`VIDEO_CROPDETECT`, bars only: :func:`_black_borders`;
one more read of the video), then every sampled frame is scaled to 128x96 by area averaging and blurred a
little (:data:`VIDEO_NORMALISE`), so what the signature sees no longer depends on the copy's frame size,
its bars or its codec's fine artefacts. Measured on ``benchmarks/similar.py``'s reproducible corpus (23
clips), method 1 -> 2: rescale to half size up to 8 bits from its original -> 6 (recall 0.96 -> 1.0); VP8
re-encode up to 7 -> 4 (1.0); pillarbox to 16:9 recall 0.0 -> 0.87; crop 5 % 0.65 -> 0.74; trim 2 s
0.74 -> 0.78; watermark 0.78 -> 0.87; unrelated clips 12 or more bits apart (no false positive in 3,795
pairs). A 256-bit video code was measured too and not taken: its distances grow with its length (rescale
up to 33 of 256, unrelated from 58), so it separates no better than 64 bits.

Codes computed before (method 1: no ``method`` in ``contentCodes``) are up to 8 bits from the same file's
new code (20 of 23 clips within 7; a method-2 rescaled copy against a method-1 original: 19 of 23), so a
stored document says its method (``contentCodes.method``, absent = 1), and a file being looked up also
gets its method-1 video code from the same decode (:attr:`ContentCodes.legacy`, never stored), which
``copyright-hub similar``, the check at registration and :func:`find_similar` ask with too: an older
document is compared through the computation that made it.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import InvalidISCC, MediaError, MediaToolMissing, NotAFile

Kind = Literal["video", "audio", "image", "other"]
MatchKind = Literal["identical", "content", "data"]

#: Bits of every unit body this hub compares and indexes (the ISCC default; the similarity index splits
#: it in 4 bands); an audio Content-Code carries :data:`AUDIO_BITS`, of which these are the first.
BITS = 64
#: Bits of an audio Content-Code (iscc-core's longest); its first :data:`BITS` are the 64-bit code.
AUDIO_BITS = 256
#: Greatest Hamming distance over all :data:`AUDIO_BITS` at which two audio codes (already within the
#: 64-bit ``max_distance``) are confirmed as the same work, from ``benchmarks/similar.py``: re-encodes to
#: Opus 48 kb/s were up to 19 of 256 bits apart, halved loudness up to 21 (1 track of 23 over 19); of
#: 1,771 unrelated pairs the 28 this confirmed were all among four steady tones (two sines, a tremolo, a
#: minor chord: Chromaprint, a pitch-class fingerprint of change over time, sees steady tones alike; 8-16
#: bits), which :data:`AUDIO_LOW_INFO_MAX_FULL_DISTANCE` refuses
AUDIO_MAX_FULL_DISTANCE = 19
#: Greatest :attr:`Unit.variation` of a *low-information* audio code: how many bits its four quarter
#: hashes and three sorted-third hashes differ from its whole-track hash, summed (0..224). A steady tone's
#: Chromaprint frames are all alike, so all eight 32-bit parts of its code are one value repeated: in
#: ``benchmarks/similar.py`` the six steady tones (sines, chords, tremolo, FM) and their copies scored 0-5,
#: every other track or copy (speech, melody, rhythm, sweeps, noise) 10 or more
AUDIO_LOW_VARIATION = 7
#: Greatest full-length distance (of 256 bits) at which a pair where either side is low-information
#: (:data:`AUDIO_LOW_VARIATION`) is confirmed: such a code is one 32-bit frame repeated eight times, so one
#: frame bit apart is 8 bits apart, which is how near unrelated steady tones came (a tremolo and a 1 kHz
#: sine); a tone's re-encodes (Opus, MP3, AAC, resampled, halved loudness) were 0-2 apart; 4 is halfway
AUDIO_LOW_INFO_MAX_FULL_DISTANCE = 4
#: Default greatest Hamming distance (of 64 bits) at which two codes count as the same work, chosen
#: from ``benchmarks/similar.py`` (23 clips, method 2): re-encodes stayed within 4 bits and rescales
#: within 6, unrelated video clips were 12 or more apart; and up to 7 the band index probes each
#: band's value and its 16 one-bit neighbours only (8-11 would need the 120 two-bit ones too: ~8x the lookups)
DEFAULT_MAX_DISTANCE = 7
#: Frames a second sampled for the MPEG-7 signature (the rate ISCC's reference tools use).
VIDEO_FPS = 5
#: What each sampled frame goes through before the MPEG-7 signature (ffmpeg filters): a fixed small size
#: by area averaging, then a slight blur, so a rescaled or re-encoded copy gives the signature nearly the
#: same pixels as its original (see the module docstring for the figures)
VIDEO_NORMALISE = "scale=128:96:flags=area,gblur=sigma=1"
#: How black borders (letterbox, pillarbox) are found before that: one frame a second over the whole
#: video, ffmpeg's ``cropdetect`` keeping the union of every frame's non-black area (``reset=0``), so the
#: same picture with or without bars is cropped to the same content (as ISCC's reference SDK does)
VIDEO_CROPDETECT = "fps=fps=1,cropdetect=limit=24:round=2:reset=0"
#: Least share of the frame's width (height) a black bar must take on each side to be cropped
BAR_MIN = 0.03
#: How this module computes Content-Codes, stored as ``contentCodes.method``: 1 (or absent) before video
#: frames were normalised, 2 with :data:`VIDEO_NORMALISE`. Audio and image codes are the same in both.
CODE_METHOD = 2
#: The longest ffmpeg may run on one file (seconds); a hung decoder becomes a MediaError.
FFMPEG_TIMEOUT = 600.0
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif", "jpegls_pipe")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ContentCodes:
    """A file's ISCC units (each ``ISCC:...``); ``content`` is None for kind ``other``; ``method`` is how
    they were computed (:data:`CODE_METHOD`; 1 for a document that names none); ``legacy``, for a video
    just computed, its method-1 Content-Code."""

    kind: Kind
    content: str | None
    data: str
    instance: str
    iscc: str
    note: str | None = None
    method: int = CODE_METHOD
    #: a video's Content-Code as method 1 computed it (not stored): what a search also asks with, so a
    #: work whose document an older client wrote is compared through the same computation
    legacy: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The metadata document's ``contentCodes`` object."""
        out: dict[str, Any] = {"kind": self.kind, "data": self.data, "instance": self.instance, "iscc": self.iscc}
        if self.content is not None:
            out["content"] = self.content
        out["method"] = self.method
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ContentCodes:
        """Read a ``contentCodes`` object back; each code is checked."""
        try:
            codes = cls(
                kind=doc["kind"],
                content=doc.get("content"),
                data=doc["data"],
                instance=doc["instance"],
                iscc=doc["iscc"],
                method=doc.get("method", 1),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidISCC(doc, f"a contentCodes object needs kind, data, instance and iscc ({exc})") from None
        for code in (codes.content, codes.data, codes.instance):
            if code is not None:
                unit(code)
        return codes


@dataclass(frozen=True)
class Match:
    """How two files match: ``identical`` bytes, or ``content``/``data`` codes within ``distance`` bits."""

    kind: MatchKind
    distance: int


@dataclass(frozen=True)
class Unit:
    """One decoded ISCC unit: main type and subtype names, its first 64 bits as an integer (``body``), and
    for a 256-bit audio Content-Code all of them (``full``, ``bits``)."""

    code: str
    maintype: str
    subtype: str
    body: int
    full: int | None = None
    bits: int = BITS

    @property
    def family(self) -> str:
        """``content-video``, ``content-audio``, ``content-image``, ``data`` or ``instance``."""
        return f"content-{self.subtype}" if self.maintype == "content" else self.maintype

    @property
    def variation(self) -> int | None:
        """For a 256-bit audio Content-Code, how much its fingerprint changes: the bits in which its four
        quarter hashes and three sorted-third hashes differ from its whole-track hash, summed (0 for a
        steady tone; :data:`AUDIO_LOW_VARIATION`); None for any other unit. Read from the code itself, so
        every stored code has it and no document can claim another."""
        if self.full is None:
            return None
        parts = [(self.full >> (32 * i)) & 0xFFFFFFFF for i in range(self.bits // 32 - 1, -1, -1)]
        return sum((parts[0] ^ p).bit_count() for p in parts[1:])

    @property
    def low_information(self) -> bool:
        """A 256-bit audio code whose fingerprint barely changes (a steady tone): see :data:`AUDIO_LOW_VARIATION`."""
        return self.variation is not None and self.variation <= AUDIO_LOW_VARIATION


def unit(code: str) -> Unit:
    """Decode one ISCC unit (``ISCC:EMA...``; the prefix is optional); :class:`InvalidISCC` otherwise."""
    import iscc_core as ic

    if not isinstance(code, str) or not code.strip():
        raise InvalidISCC(code, "it is empty")
    text = code.strip()
    if text.upper().startswith("ISCC:"):
        text = text[5:]
    try:
        raw = ic.decode_base32(text.upper())
        mt, st, _vs, ln, body = ic.decode_header(raw)
        bits = ic.decode_length(mt, ln)
    except Exception as exc:  # iscc-core raises ValueError/KeyError/binascii errors for garbage
        raise InvalidISCC(code, f"it does not decode ({exc})") from None
    if mt not in (ic.MT.CONTENT, ic.MT.DATA, ic.MT.INSTANCE):
        raise InvalidISCC(code, f"it is a {ic.MT(mt).name} code, not a Content-, Data- or Instance-Code unit")
    maintype = ic.MT(mt).name.lower()
    subtype = ic.ST_CC(st).name.lower() if mt == ic.MT.CONTENT else "none"
    if mt == ic.MT.CONTENT and subtype not in ("video", "audio", "image"):
        raise InvalidISCC(code, f"it is a Content-Code of {subtype}; this hub indexes video, audio and image")
    wide = maintype == "content" and subtype == "audio" and bits == AUDIO_BITS
    if len(body) != bits // 8 or (bits != BITS and not wide):
        raise InvalidISCC(
            code,
            f"its body has {len(body) * 8} bits; this hub compares {BITS}-bit units "
            f"(and {AUDIO_BITS}-bit audio Content-Codes)",
        )
    first = int.from_bytes(body[: BITS // 8], "big")
    return Unit("ISCC:" + text.upper(), maintype, subtype, first, int.from_bytes(body, "big") if wide else None, bits)


def distance(a: str | Unit, b: str | Unit) -> int:
    """Hamming distance (bits of 64) between two ISCC units of the same type; :class:`InvalidISCC` when
    they are of different types (a video code is not comparable with an audio code)."""
    ua = a if isinstance(a, Unit) else unit(a)
    ub = b if isinstance(b, Unit) else unit(b)
    if ua.family != ub.family:
        raise InvalidISCC(f"{ua.code} / {ub.code}", f"a {ua.family} code cannot be compared with a {ub.family} code")
    return (ua.body ^ ub.body).bit_count()


def confirms(a: str | Unit, b: str | Unit) -> bool:
    """Whether two units of one type, already within a 64-bit ``max_distance``, are confirmed as the same
    work: False only for two 256-bit audio Content-Codes more than :data:`AUDIO_MAX_FULL_DISTANCE` of
    their 256 bits apart (unrelated stationary noise agrees on its first 64 bits), or more than
    :data:`AUDIO_LOW_INFO_MAX_FULL_DISTANCE` when either is low-information (unrelated steady tones
    agree on nearly all of it); True otherwise."""
    ua = a if isinstance(a, Unit) else unit(a)
    ub = b if isinstance(b, Unit) else unit(b)
    if ua.full is None or ub.full is None:
        return True
    limit = AUDIO_LOW_INFO_MAX_FULL_DISTANCE if ua.low_information or ub.low_information else AUDIO_MAX_FULL_DISTANCE
    return (ua.full ^ ub.full).bit_count() <= limit


def compare(a: ContentCodes, b: ContentCodes, max_distance: int = DEFAULT_MAX_DISTANCE) -> Match | None:
    """The strongest match between two files' codes, or None: same bytes (Instance-Code) first, then
    Content-Codes of the same kind, then Data-Codes, each within ``max_distance`` bits."""
    if a.instance == b.instance:
        return Match("identical", 0)
    if a.content and b.content and unit(a.content).family == unit(b.content).family:
        d = distance(a.content, b.content)
        if d <= max_distance and confirms(a.content, b.content):
            return Match("content", d)
    d = distance(a.data, b.data)
    if d <= max_distance:
        return Match("data", d)
    return None


# --- near-duplicates held by someone else (SDK side: asks a hub's GET /similar) ----------------------


class NearDuplicateWarning(UserWarning):
    """A file being registered looks or sounds like (or is) a work someone else already holds."""


@dataclass(frozen=True)
class NearDuplicate:
    """A registered work near a file: who holds it, how it matches, and how near (bits of 64)."""

    work_id: int
    owner: str
    match: str
    distance: int
    code: str
    origin: str = "owner"

    def describe(self) -> str:
        how = {"identical": "the same file", "content": "the same content", "data": "near-identical bytes"}
        whose = "; its codes computed by the hub from its public preview" if self.origin != "owner" else ""
        return (
            f"work {self.work_id} held by {self.owner} is {how.get(self.match, self.match)} "
            f"({self.match} match, distance {self.distance} of {BITS} bits{whose})"
        )


def find_similar(
    hub_url: str, codes: ContentCodes | str, max_distance: int = DEFAULT_MAX_DISTANCE, *, timeout: float = 10.0
) -> list[NearDuplicate]:
    """The works a hub's ``GET /similar`` finds near ``codes`` (its ISCC-CODE, or one unit). The ISCC-CODE
    carries 64-bit units only, so for a file with a 256-bit audio Content-Code the hub is also asked
    for that unit, and a ``content`` match it does not confirm over the full length is dropped; a video
    is also looked up by its method-1 code (``codes.legacy``), each work once with its best match."""
    import httpx

    from client_sdk.errors import ConfigurationError

    url = hub_url.rstrip("/") + "/similar"

    def ask(query: str) -> list[NearDuplicate]:
        params: dict[str, str | int] = {"iscc": query, "max_distance": max_distance, "limit": 100}
        try:
            reply = httpx.get(url, params=params, timeout=timeout)
        except httpx.HTTPError as exc:
            raise ConfigurationError(f"cannot reach the hub at {hub_url}: {exc}; check --hub") from None
        if reply.status_code != 200:
            raise ConfigurationError(f"{url} answered HTTP {reply.status_code}: {reply.text[:200]}; check --hub")
        return [
            NearDuplicate(
                int(w["work_id"]), w["owner"], w["match"], int(w["distance"]), w["code"], w.get("origin", "owner")
            )
            for w in reply.json()["data"]
        ]

    if not isinstance(codes, ContentCodes):
        return ask(codes)
    found = ask(codes.iscc)
    if codes.content and unit(codes.content).full is not None and any(f.match == "content" for f in found):
        confirmed = {f.work_id for f in ask(codes.content)}
        found = [f for f in found if f.match != "content" or f.work_id in confirmed]
    if codes.legacy:  # works whose document an older client wrote: their method-1 video code
        rank = {"identical": 0, "content": 1, "data": 2}
        best = {f.work_id: f for f in found}
        for f in ask(codes.legacy):
            old = best.get(f.work_id)
            if old is None or (rank.get(f.match, 3), f.distance) < (rank.get(old.match, 3), old.distance):
                best[f.work_id] = f
        found = sorted(best.values(), key=lambda f: (rank.get(f.match, 3), f.distance, -f.work_id))
    return found


def warn_near_duplicates(found: list[NearDuplicate], account: str) -> list[NearDuplicate]:
    """Those of ``found`` held by someone other than ``account``, each also issued as a
    :class:`NearDuplicateWarning` (``warnings.warn``) naming the holder and the work."""
    import warnings

    others = [f for f in found if f.owner.lower() != account.lower()]
    for f in others:
        warnings.warn(NearDuplicateWarning(f"near-duplicate: {f.describe()}"), stacklevel=2)
    return others


# --- computing codes ---------------------------------------------------------------------------------


def _tool(name: str) -> str:
    env = os.environ.get(f"COPYRIGHT_HUB_{name.upper()}")
    found = env or shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if not found:
        raise MediaToolMissing(name)
    return found


def ffmpeg_available() -> bool:
    """True when ``ffmpeg`` and ``ffprobe`` are installed (Content-Codes can be computed)."""
    try:
        _tool("ffmpeg")
        _tool("ffprobe")
    except MediaToolMissing:
        return False
    return True


def _run(args: list[str], path: Path, what: str) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(path, f"ffmpeg took longer than {FFMPEG_TIMEOUT:.0f} s to {what}") from None
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        last = last.removeprefix(f"{path}: ")
        raise MediaError(path, f"ffmpeg cannot {what}: {last}")
    return done.stdout


def probe(path: Path) -> tuple[Kind, str]:
    """The file's media kind by ffprobe, and a short description (``video (h264, 4.0 s)``); kind
    ``other`` with the reason when ffmpeg does not read it as media."""
    args = [_tool("ffprobe"), "-v", "error", "-show_entries",
            "stream=codec_type,codec_name,duration:stream_disposition=attached_pic:format=format_name,duration",
            "-of", "json", str(path)]  # fmt: skip
    try:
        info = json.loads(_run(args, path, "read it") or b"{}")
    except MediaError as exc:
        return "other", exc.reason
    fmt = info.get("format", {}).get("format_name", "")
    streams = info.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if video and (fmt in _IMAGE_FORMATS or fmt.endswith("_pipe")):
        return "image", f"image ({video[0].get('codec_name')})"
    if video:
        return "video", f"video ({video[0].get('codec_name')}{', with audio' if audio else ', no audio'})"
    if audio:
        return "audio", f"audio ({audio[0].get('codec_name')}, no video)"
    return "other", f"ffmpeg finds no video, audio or image stream in it (format {fmt or 'unknown'})"


def _black_borders(path: Path) -> str | None:
    """The ``crop=W:H:X:Y`` filter that removes the video's black bars (:data:`VIDEO_CROPDETECT`), or None.
    Only bars count: on each axis, borders of at least :data:`BAR_MIN` of the frame on both sides and
    about equal (letterbox, pillarbox). A dark edge of the picture itself (one side only, or a few pixels)
    is left alone: cropping it would follow the content, and a copy's rounding would crop it otherwise."""
    import re

    args = [_tool("ffmpeg"), "-nostdin", "-v", "info", "-i", str(path), "-map", "0:v:0", "-an",
            "-vf", VIDEO_CROPDETECT, "-f", "null", "-"]  # fmt: skip
    try:
        done = subprocess.run(args, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(path, f"ffmpeg took longer than {FFMPEG_TIMEOUT:.0f} s to look for black borders") from None
    found = re.findall(rb"crop=(\d+):(\d+):(\d+):(\d+)", done.stderr)
    size = re.search(rb"Stream #0:\d+[^\n]*: Video: [^\n]*?, (\d{2,5})x(\d{2,5})", done.stderr)
    if done.returncode != 0 or not found or not size:
        return None
    full_w, full_h = int(size[1]), int(size[2])
    w, h, x, y = (int(v) for v in found[-1])

    def bars(start: int, kept: int, full: int) -> bool:
        before, after = start, full - kept - start
        return min(before, after) >= BAR_MIN * full and abs(before - after) <= 0.02 * full + 2

    cut_x, cut_y = bars(x, w, full_w), bars(y, h, full_h)
    if not (cut_x or cut_y):
        return None
    return f"crop={w if cut_x else full_w}:{h if cut_y else full_h}:{x if cut_x else 0}:{y if cut_y else 0}"


def _video_codes(path: Path, methods: tuple[int, ...]) -> dict[int, str]:
    """The video Content-Code of each of ``methods`` (1: frames as they are; 2: black borders cropped,
    then :data:`VIDEO_NORMALISE`), from one decode for the signatures: the sampled frames are split, one
    MPEG-7 signature per method (method 2 first reads the video once more, for its borders)."""
    import iscc_core as ic

    crop = _black_borders(path) if any(m >= 2 for m in methods) else None
    normalise = f"{crop + ',' if crop else ''}{VIDEO_NORMALISE},"
    with tempfile.TemporaryDirectory(prefix="iscc-") as tmp:
        sigs = {m: Path(tmp) / f"sig{m}.xml" for m in methods}
        branches = "".join(
            f"[s{m}]{normalise if m >= 2 else ''}signature=format=xml:filename={sigs[m]}[o{m}];" for m in methods
        )
        graph = f"[0:v:0]fps=fps={VIDEO_FPS},split={len(methods)}{''.join(f'[s{m}]' for m in methods)};{branches}"
        outputs = [arg for m in methods for arg in ("-map", f"[o{m}]", "-f", "null", "-")]
        _run([_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-filter_complex", graph.rstrip(";"),
              *outputs], path, "decode its video")  # fmt: skip
        codes = {}
        for m, sig in sigs.items():
            frames = [
                tuple(int(v) for v in (el.text or "").split())
                for el in ET.parse(sig).getroot().iter("{urn:mpeg:mpeg7:schema:2001}FrameSignature")
            ] if sig.exists() else []  # fmt: skip
            frames = [f for f in frames if len(f) == 380]
            if not frames:
                raise MediaError(path, "its video stream has no frames (zero-length video)")
            codes[m] = str(ic.gen_video_code_v0(frames, bits=BITS)["iscc"])
    return codes


def _audio_code(path: Path) -> str:
    import iscc_core as ic

    raw = _run([_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn", "-ac", "1",
                "-f", "chromaprint", "-fp_format", "raw", "-"], path, "decode its audio")  # fmt: skip
    n = len(raw) // 4
    if n == 0:
        raise MediaError(path, "its audio stream is too short to fingerprint (zero-length audio)")
    vector = list(struct.unpack(f"<{n}i", raw[: n * 4]))
    return str(ic.gen_audio_code_v0(vector, bits=AUDIO_BITS)["iscc"])


def _image_code(path: Path) -> str:
    import iscc_core as ic

    raw = _run([_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-frames:v", "1",
                "-vf", "scale=32:32:flags=bicubic,format=gray", "-f", "rawvideo", "-"],
               path, "decode the image")  # fmt: skip
    if len(raw) < 1024:
        raise MediaError(path, "the image has no pixels (zero-length image)")
    return str(ic.gen_image_code_v0(list(raw[:1024]), bits=BITS)["iscc"])


def data_and_instance(path: Path) -> tuple[str, str]:
    """Data-Code and Instance-Code of the file's bytes, in one read."""
    import iscc_core as ic

    data, instance = ic.DataHasherV0(), ic.InstanceHasherV0()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            data.push(chunk)
            instance.push(chunk)
    return "ISCC:" + data.code(bits=BITS), "ISCC:" + instance.code(bits=BITS)


def content_codes(path: str | os.PathLike[str], *, media: bool = False, method: int = CODE_METHOD) -> ContentCodes:
    """A file's ISCC units. With ``media=True`` a file that is empty, that ffmpeg cannot read, or whose
    stream has no frames raises :class:`MediaError` (and a missing ffmpeg :class:`MediaToolMissing`);
    otherwise such a file gets kind ``other`` (Data- and Instance-Code only) and a ``note`` saying why.
    ``method=1`` computes what a client before :data:`CODE_METHOD` 2 stored (to compare with such a code
    through the same computation, and for ``benchmarks/similar.py``'s before/after figures)."""
    import iscc_core as ic

    if method not in (1, CODE_METHOD):
        raise ValueError(f"method must be 1 or {CODE_METHOD} (client_sdk.content.iscc.CODE_METHOD); got {method}")
    p = Path(path)
    if not p.is_file():
        raise NotAFile(p, "no such file" if not p.exists() else "it is not a regular file")
    size = p.stat().st_size
    data, instance = data_and_instance(p)
    kind: Kind = "other"
    content: str | None = None
    legacy: str | None = None
    note: str | None = None
    try:
        if size == 0:
            raise MediaError(p, "the file is empty (0 bytes)")
        kind, why = probe(p)
        if kind == "other":
            raise MediaError(p, why)
        if kind == "video":  # a method-2 file also gets its method-1 code (same decode) to look older codes up
            videos = _video_codes(p, (method, 1) if method != 1 else (1,))
            content, legacy = videos[method], videos.get(1) if method != 1 else None
        else:
            content = {"audio": _audio_code, "image": _image_code}[kind](p)
    except (MediaError, MediaToolMissing) as exc:
        if media:
            raise
        kind, content, note = "other", None, f"no Content-Code: {exc}"
    units = [c for c in (content, data, instance) if c]
    iscc = "ISCC:" + ic.gen_iscc_code_v0(units)["iscc"].removeprefix("ISCC:")
    return ContentCodes(kind, content, data, instance, iscc, note, method, legacy)


__all__ = [
    "AUDIO_BITS",
    "AUDIO_LOW_INFO_MAX_FULL_DISTANCE",
    "AUDIO_LOW_VARIATION",
    "AUDIO_MAX_FULL_DISTANCE",
    "BITS",
    "CODE_METHOD",
    "DEFAULT_MAX_DISTANCE",
    "VIDEO_CROPDETECT",
    "VIDEO_NORMALISE",
    "ContentCodes",
    "Kind",
    "Match",
    "MatchKind",
    "NearDuplicate",
    "NearDuplicateWarning",
    "Unit",
    "compare",
    "confirms",
    "content_codes",
    "data_and_instance",
    "distance",
    "ffmpeg_available",
    "find_similar",
    "probe",
    "unit",
    "warn_near_duplicates",
]
