"""Media made here with ffmpeg's test sources (lavfi), and the transformations a re-uploader applies,
for the ISCC content-code tests (``tests/content/test_iscc.py``) and ``benchmarks/similar.py``.

Nothing is downloaded: every clip is synthesised by the system ffmpeg from a test source and a seed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"

#: video test sources, each a distinct picture (several seeds of the random ones)
VIDEO_SOURCES: dict[str, str] = {
    "testsrc2": "testsrc2=size=320x240:rate=25",
    "mandelbrot": "mandelbrot=size=320x240:rate=25",
    "smptebars": "smptebars=size=320x240:rate=25",
    "rgbtestsrc": "rgbtestsrc=size=320x240:rate=25",
    **{f"gradients-{s}": f"gradients=size=320x240:rate=25:seed={s}:speed=0.05" for s in (1, 2, 3)},
    **{f"cellauto-{s}": f"cellauto=size=320x240:rate=25:seed={s}:rule=110" for s in (1, 2)},
    **{f"life-{s}": f"life=size=320x240:rate=25:seed={s}:mold=10:life_color=#00ff00" for s in (1, 2)},
    **{f"sierpinski-{s}": f"sierpinski=size=320x240:rate=25:seed={s}" for s in (1, 2)},
}
#: audio test sources: tones, chords and noise of several colours and seeds
AUDIO_SOURCES: dict[str, str] = {
    "sine-440": "sine=frequency=440:sample_rate=44100",
    "chord": "aevalsrc=0.3*sin(2*PI*262*t)+0.3*sin(2*PI*330*t)+0.3*sin(2*PI*392*t):s=44100",
    "sweep": "aevalsrc=0.5*sin(2*PI*(200+100*t)*t):s=44100",
    "melody": "aevalsrc=0.5*sin(2*PI*(330+110*floor(mod(t*2\\,4)))*t):s=44100",
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
    subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-y", *args], check=True, capture_output=True)


def make_clip(folder: Path, name: str, seconds: float = 8.0) -> Path:
    """A clip of :data:`VIDEO_SOURCES` ``name`` (H.264, 320x240) with a tone under it, made once."""
    out = folder / f"{name}.mp4"
    if not out.exists():
        freq = 200 + 37 * (sum(map(ord, name)) % 40)
        _ffmpeg("-f", "lavfi", "-i", VIDEO_SOURCES[name], "-f", "lavfi", "-i", f"sine=frequency={freq}",
                "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out))  # fmt: skip
    return out


def make_track(folder: Path, name: str, seconds: float = 8.0) -> Path:
    """An audio track of :data:`AUDIO_SOURCES` ``name`` (AAC in M4A), made once."""
    out = folder / f"{name}.m4a"
    if not out.exists():
        _ffmpeg(
            "-f", "lavfi", "-i", f"{AUDIO_SOURCES[name]}", "-t", str(seconds), "-c:a", "aac", "-b:a", "128k", str(out)
        )
    return out


def transform(src: Path, name: str, folder: Path, *, audio: bool = False) -> Path:
    """``src`` after transformation ``name`` (:data:`TRANSFORMS` or :data:`AUDIO_TRANSFORMS`), made once."""
    options, suffix = (AUDIO_TRANSFORMS if audio else TRANSFORMS)[name]
    out = folder / f"{src.stem}.{name}{suffix}"
    if not out.exists():
        if options[:1] == ["-ss"]:  # trim: seek on the input, then re-encode the rest
            _ffmpeg("-ss", options[1], "-i", str(src), *options[2:], str(out))
        else:
            _ffmpeg("-i", str(src), *options, str(out))
    return out
