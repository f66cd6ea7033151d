#!/usr/bin/env python3
"""Regenerates the log-mel fixtures of Tests/AudioTests from librosa 0.11 (the reference).

    pip install librosa==0.11.* soundfile numpy
    python3 Tests/AudioTests/Fixtures/make_fixtures.py

For each test signal it writes `<name>.wav` (the input, 16-bit PCM unless stated) and the expected
features computed by librosa from that very file, read back with `librosa.load(path, sr=22050)`:

    <name>.whole.npy   float32 [64, frames]        power_to_db(melspectrogram(y, sr=22050, n_fft=512,
                                                     hop_length=256, n_mels=64)) on the whole signal
    <name>.clips.npy   float32 [clips, 64, 173]     the same on each 2-s clip y[k*44100:(k+1)*44100] alone
                                                     (only for signals longer than one clip)

and the same two for the seed's mel recipe (Huang et al.'s preprocessing, librosa 0.6.3: the dB of the
squared mel power over reflect-padded frames), computed with librosa 0.11 as

    <name>.seed.whole.npy, <name>.seed.clips.npy
                        power_to_db(melspectrogram(y, sr=22050, n_fft=512, hop_length=256, n_mels=64,
                                                   pad_mode="reflect") ** 2)

and `mel_basis.npy`, float32 [64, 257]: librosa.filters.mel(sr=22050, n_fft=512, n_mels=64).

Swift's tests read these files; no Python runs at test time. The stereo 44.1 kHz file is resampled by
librosa with soxr ("soxr_hq", librosa 0.11's default) and by gcnn with libsamplerate's best sinc
converter, so its features are compared with a looser tolerance (see LogMelFixtureTests.swift).
"""
import json
import pathlib

import librosa
import numpy as np
import soundfile as sf

HERE = pathlib.Path(__file__).resolve().parent
SR = 22050
CLIP = 2 * SR
rng = np.random.default_rng(20240601)


def t(seconds, sr=SR):
    return np.arange(int(round(seconds * sr))) / sr


def features(y):
    return librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=256, n_mels=64)
    ).astype(np.float32)


def seed_features(y):
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=256, n_mels=64, pad_mode="reflect")
    return librosa.power_to_db(mel ** 2).astype(np.float32)


def chirp():
    tt = t(2.0)
    f0, f1 = 50.0, 10_000.0
    k = np.log(f1 / f0) / 2.0
    return 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * tt) - 1) / k)


def white_noise():
    return np.clip(0.1 * rng.standard_normal(len(t(2.0))), -1, 1)


def silence():
    return np.zeros(len(t(2.0)))


def clipped_square():
    tt = t(2.0)
    x = 1.2 * np.sign(np.sin(2 * np.pi * 220 * tt)) + 0.3 * np.sin(2 * np.pi * 3000 * tt)
    return np.clip(x, -1.0, 1.0)


def multitone_onset():
    tt = t(4.5)
    x = np.zeros_like(tt)
    on = tt >= 1.3
    env = np.where(on, (1 - np.exp(-(tt - 1.3) / 0.01)) * np.exp(-(tt - 1.3) / 2.0), 0.0)
    for f, a in [(220, 0.3), (330, 0.2), (1760, 0.1), (5000, 0.05)]:
        x += a * np.sin(2 * np.pi * f * tt)
    return x * env + 1e-4 * rng.standard_normal(len(tt))


def stereo_22k():
    tt = t(2.0)
    left = 0.4 * np.sin(2 * np.pi * 440 * tt) + 0.02 * rng.standard_normal(len(tt))
    right = 0.3 * np.sin(2 * np.pi * 660 * tt + 0.5) + 0.3 * np.sin(2 * np.pi * 2500 * tt)
    return np.stack([left, right], axis=1)


def stereo_44k():
    tt = t(2.1, 44_100)
    left = 0.4 * np.sin(2 * np.pi * 440 * tt) + 0.2 * np.sin(2 * np.pi * 3100 * tt)
    right = 0.3 * np.sin(2 * np.pi * 660 * tt + 0.5) + 0.05 * rng.standard_normal(len(tt))
    return np.stack([left, right], axis=1)


def short():
    tt = t(1.5)
    return 0.3 * np.sin(2 * np.pi * 523.25 * tt) * np.hanning(len(tt))


SIGNALS = [
    ("chirp", chirp, SR),
    ("white_noise", white_noise, SR),
    ("silence", silence, SR),
    ("clipped_square", clipped_square, SR),
    ("multitone_onset", multitone_onset, SR),
    ("stereo_22k", stereo_22k, SR),
    ("stereo_44k", stereo_44k, 44_100),
    ("short_1500ms", short, SR),
]


def main():
    index = {}
    for name, make, sr in SIGNALS:
        path = HERE / f"{name}.wav"
        sf.write(path, make().astype(np.float64), sr, subtype="PCM_16")
        y, _ = librosa.load(path, sr=SR)
        for suffix, recipe in [("", features), (".seed", seed_features)]:
            whole = recipe(y)
            np.save(HERE / f"{name}{suffix}.whole.npy", whole)
            clips = [recipe(y[k * CLIP:(k + 1) * CLIP]) for k in range(min(8, len(y) // CLIP))]
            if len(y) > CLIP:  # for a signal of exactly one clip, the clip is the whole
                np.save(HERE / f"{name}{suffix}.clips.npy", np.stack(clips))
        index[name] = {"file": path.name, "sampleRate": sr, "samples22k": len(y),
                       "wholeShape": list(whole.shape), "clips": len(clips)}
    np.save(HERE / "mel_basis.npy", librosa.filters.mel(sr=SR, n_fft=512, n_mels=64))
    (HERE / "fixtures.json").write_text(json.dumps(
        {"librosa": librosa.__version__, "numpy": np.__version__, "signals": index}, indent=2) + "\n")


if __name__ == "__main__":
    main()
