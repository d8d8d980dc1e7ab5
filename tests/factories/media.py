"""Media made here with ffmpeg's test sources (lavfi), and the transformations a re-uploader applies,
for the ISCC content-code tests (``tests/content/test_iscc.py``) and ``benchmarks/similar.py``.

Nothing is downloaded: every clip is synthesised by the system ffmpeg from a test source and a seed.

**Reproducible**: every file is made by one ffmpeg run with :data:`DETERMINISTIC` options (one thread for
filters and encoders, bit-exact codec and muxer flags, no metadata), and every random source has a fixed
seed, so the same ffmpeg makes byte-identical files, and so identical codes, run after run
(``tests/content/test_iscc.py`` checks a clip's sha256 made twice; ``benchmarks/similar.py`` records
a digest of the whole corpus).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"

#: output options that make an ffmpeg run reproducible: single-threaded filters and encoders (x264 and
#: libvpx split work by thread count), bit-exact codec and muxer output (no encoder version strings,
#: no creation time), no metadata carried from the input
DETERMINISTIC = [
    "-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
]  # fmt: skip

_SIZE = "size=320x240:rate=25"
#: video test sources, each a distinct picture: moving patterns (several seeds of the random ones) and
#: still charts
VIDEO_SOURCES: dict[str, str] = {
    "testsrc2": f"testsrc2={_SIZE}",
    "testsrc": f"testsrc={_SIZE}",
    "mandelbrot": f"mandelbrot={_SIZE}",
    "mandelbrot-deep": f"mandelbrot={_SIZE}:start_x=-0.7436438870:start_y=0.1318259042:start_scale=0.5"
    ":outer=normalized_iteration_count",
    "smptebars": f"smptebars={_SIZE}",
    "rgbtestsrc": f"rgbtestsrc={_SIZE}",
    "colorspectrum": f"colorspectrum={_SIZE}:type=all",
    "colorchart": "colorchart=rate=25:patch_size=53x60:preset=skintones",
    **{f"mptestsrc-{t}": f"mptestsrc=rate=25:test={t}" for t in ("ring1", "ring2", "freq_luma")},
    # gradients: explicit colours (its default colours are random whatever the seed)
    **{f"gradients-{s}": f"gradients={_SIZE}:seed={s}:speed=0.05:c0={c0}:c1={c1}:type={t}"
       for s, (c0, c1, t) in enumerate((("0x3050c0", "0xf0a020", "linear"), ("0x10a040", "0xe02060", "radial"),
                                         ("0x202020", "0xe0e0f0", "circular"), ("0xc04010", "0x2090d0", "spiral")), 1)},
    **{f"cellauto-{s}": f"cellauto={_SIZE}:seed={s}:rule=110" for s in (1, 2, 3)},
    **{f"life-{s}": f"life={_SIZE}:seed={s}:mold=10:life_color=#00ff00" for s in (1, 2, 3)},
    **{f"sierpinski-{s}": f"sierpinski={_SIZE}:seed={s}" for s in (1, 2)},
}  # fmt: skip
_SPEECH = (
    "Copyright protects original works of authorship, fixed in a tangible medium of expression, for a long time.",
    "A registry records who made a work and when, so that a later copy can be traced back to its maker.",
    "The weather will be cloudy in the morning with light rain spreading from the west in the afternoon.",
)
#: audio test sources: tones, chords, sweeps, melodies, rhythms, synthetic speech (flite, several voices and
#: texts) and noise of several colours and seeds
AUDIO_SOURCES: dict[str, str] = {
    "sine-440": "sine=frequency=440:sample_rate=44100",
    "sine-1000": "sine=frequency=1000:sample_rate=44100",
    "chord": "aevalsrc=0.3*sin(2*PI*262*t)+0.3*sin(2*PI*330*t)+0.3*sin(2*PI*392*t):s=44100",
    "chord-minor": "aevalsrc=0.3*sin(2*PI*220*t)+0.3*sin(2*PI*262*t)+0.3*sin(2*PI*330*t):s=44100",
    "sweep": "aevalsrc=0.5*sin(2*PI*(200+100*t)*t):s=44100",
    "sweep-down": "aevalsrc=0.5*sin(2*PI*(3000-150*t)*t):s=44100",
    "melody": "aevalsrc=0.5*sin(2*PI*(330+110*floor(mod(t*2\\,4)))*t):s=44100",
    "melody-fast": "aevalsrc=0.5*sin(2*PI*(440+55*floor(mod(t*5\\,7)))*t):s=44100",
    "tremolo": "aevalsrc=0.5*(0.5+0.5*sin(2*PI*3*t))*sin(2*PI*523*t):s=44100",
    "fm": "aevalsrc=0.5*sin(2*PI*300*t+4*sin(2*PI*7*t)):s=44100",
    "beat": "aevalsrc=0.6*exp(-20*mod(t\\,0.5))*sin(2*PI*80*t)+0.2*sin(2*PI*660*t)*lt(mod(t\\,1)\\,0.25):s=44100",
    **{f"speech-{v}-{i}": f"flite=voice={v}:text='{t}'" for i, t in enumerate(_SPEECH, 1) for v in ("kal", "slt")},
    **{f"noise-{c}-{s}": f"anoisesrc=color={c}:seed={s}:sample_rate=44100:amplitude=0.5"
       for c in ("white", "pink", "brown") for s in (1, 2)},
}  # fmt: skip

#: transformation name -> (ffmpeg output options, file suffix); the source is the original clip
TRANSFORMS: dict[str, tuple[list[str], str]] = {
    "reencode": (["-c:v", "libvpx", "-b:v", "300k", "-c:a", "libvorbis", "-b:a", "64k"], ".webm"),
    "rescale": (["-vf", "scale=160:120", "-c:v", "libx264", "-c:a", "copy"], ".mp4"),
    "crop": (["-vf", "crop=iw*0.95:ih*0.95,scale=320:240", "-c:v", "libx264", "-c:a", "copy"], ".mp4"),
    "trim": (["-ss", "2", "-c:v", "libx264", "-c:a", "aac"], ".mp4"),
    "loudness": (["-af", "volume=0.5", "-c:v", "copy", "-c:a", "aac"], ".mp4"),
    "watermark": (
        [
            "-vf",
            "drawbox=x=iw*0.7:y=ih*0.05:w=iw*0.25:h=ih*0.1:color=white@0.7:t=fill",
            "-c:v",
            "libx264",
            "-c:a",
            "copy",
        ],
        ".mp4",
    ),
}
#: the same for audio-only tracks (no picture to rescale, crop or mark)
AUDIO_TRANSFORMS: dict[str, tuple[list[str], str]] = {
    "reencode": (["-c:a", "libopus", "-b:a", "48k"], ".ogg"),
    "trim": (["-ss", "2", "-c:a", "aac"], ".m4a"),
    "loudness": (["-af", "volume=0.5", "-c:a", "aac"], ".m4a"),
}


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-y", "-filter_threads", "1", *args], check=True, capture_output=True
    )


def make_clip(folder: Path, name: str, seconds: float = 8.0) -> Path:
    """A clip of :data:`VIDEO_SOURCES` ``name`` (H.264, 320x240, 25 fps) with a tone under it, made once."""
    out = folder / f"{name}.mp4"
    if not out.exists():
        freq = 200 + 37 * (sum(map(ord, name)) % 40)
        _ffmpeg("-f", "lavfi", "-i", VIDEO_SOURCES[name], "-f", "lavfi", "-i", f"sine=frequency={freq}",
                "-t", str(seconds), "-vf", "scale=320:240,setsar=1", "-c:v", "libx264", "-preset", "veryfast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", *DETERMINISTIC, str(out))  # fmt: skip
    return out


def make_track(folder: Path, name: str, seconds: float = 8.0) -> Path:
    """An audio track of :data:`AUDIO_SOURCES` ``name`` (AAC in M4A, 44.1 kHz), made once; speech shorter
    than ``seconds`` is padded with silence."""
    out = folder / f"{name}.m4a"
    if not out.exists():
        _ffmpeg("-f", "lavfi", "-i", AUDIO_SOURCES[name], "-af", "aresample=44100,apad", "-t", str(seconds),
                "-c:a", "aac", "-b:a", "128k", *DETERMINISTIC, str(out))  # fmt: skip
    return out


def transform(src: Path, name: str, folder: Path, *, audio: bool = False) -> Path:
    """``src`` after transformation ``name`` (:data:`TRANSFORMS` or :data:`AUDIO_TRANSFORMS`), made once."""
    options, suffix = (AUDIO_TRANSFORMS if audio else TRANSFORMS)[name]
    out = folder / f"{src.stem}.{name}{suffix}"
    if not out.exists():
        if options[:1] == ["-ss"]:  # trim: seek on the input, then re-encode the rest
            _ffmpeg("-ss", options[1], "-i", str(src), *options[2:], *DETERMINISTIC, str(out))
        else:
            _ffmpeg("-i", str(src), *options, *DETERMINISTIC, str(out))
    return out


def sha256(path: Path) -> str:
    """The file's sha256 (hex): what reproducibility is checked on."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
